/* Field ids (FLD_*) generated from fields.def, for the extractors. */
#ifndef ENGINE_FIELDS_IDS_H
#define ENGINE_FIELDS_IDS_H

#include "fields.h"

enum fld_id {
#define FLD(id, name, type, flags, desc) FLD_##id,
#include "fields.def"
#undef FLD
    FLD_COUNT
};

#endif
