#include "peer_b.h"
