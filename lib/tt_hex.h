/* Hexadecimal digit value, shared by the parsers that decode %XX and \xXX escapes
 * (engine conditions, SigV4 canonicalisation). Header-only. */
#ifndef TT_HEX_H
#define TT_HEX_H

/* 0-15 for [0-9a-fA-F], -1 for anything else. */
static inline int tt_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
