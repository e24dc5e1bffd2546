/* The Falco release Tartan's engine matches, and the rules engine version it therefore reports
 * (--version, --support) and checks `required_engine_version` against. Falco 0.44 carries rules
 * engine 0.62.0; the rules Tartan ships with (falco-rules 5.1.0) require 0.57.0 and are the ones
 * Falco 0.44 ships. Raise these together when the engine follows a newer Falco release, and only
 * once its rules language changes are implemented: a rules file that requires a newer engine
 * must be refused, not half understood. */
#ifndef ENGINE_FALCO_COMPAT_H
#define ENGINE_FALCO_COMPAT_H

#define FALCO_COMPAT_RELEASE "0.44.1"
#define FALCO_ENGINE_VERSION_MAJOR 0
#define FALCO_ENGINE_VERSION_MINOR 62
#define FALCO_ENGINE_VERSION_PATCH 0

#define FALCO_COMPAT_STR1(x) #x
#define FALCO_COMPAT_STR(x) FALCO_COMPAT_STR1(x)
/* "0.62.0" */
#define FALCO_ENGINE_VERSION                                                                       \
    FALCO_COMPAT_STR(FALCO_ENGINE_VERSION_MAJOR)                                                   \
    "." FALCO_COMPAT_STR(FALCO_ENGINE_VERSION_MINOR) "." FALCO_COMPAT_STR(                         \
        FALCO_ENGINE_VERSION_PATCH)

#endif
