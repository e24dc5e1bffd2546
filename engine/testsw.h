/* Test-only switches: TARTAN_TEST_SWITCHES holds comma-separated words that inject faults (for
 * the watchdog tests) or turn a defence off (for the negative controls that prove a test can
 * fail). Never set in a deployment: the engine logs a warning naming them at start.
 *
 *   hang-after=N     after N events the event loop stops for good (a hung engine)
 *   crash-after=N    after N events the engine aborts (a crashed engine)
 *   trust-ring-end   the ring's old behaviour: end at the producer's flag, no gap check
 *   no-self-tamper   the engine raises none of its own tamper events (tamper.h) */
#ifndef ENGINE_TESTSW_H
#define ENGINE_TESTSW_H

/* 1 if the word is set. */
int testsw_on(const char *word);
/* The number of "word=N", or def. */
long testsw_num(const char *word, long def);
/* Logs the switches set, if any. */
void testsw_announce(void);

#endif
