#include "peer_a.h"
