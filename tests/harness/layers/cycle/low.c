#include "peer_a.h"
#include "low.h"
