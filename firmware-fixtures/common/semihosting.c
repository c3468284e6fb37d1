#include "semihosting.h"
#include <stdarg.h>

enum {
    SYS_WRITEC = 0x03,
    SYS_WRITE0 = 0x04,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
    ADP_STOPPED_APPLICATION_EXIT = 0x20026,
};

static inline int semihost_call(int operation, const void *argument)
{
    register int r0 __asm__("r0") = operation;
    register const void *r1 __asm__("r1") = argument;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void sh_write0(const char *text)
{
    semihost_call(SYS_WRITE0, text);
}

void sh_writec(char c)
{
    semihost_call(SYS_WRITEC, &c);
}

static void put_unsigned(char **out, char *end, unsigned long value, unsigned base, int width, char pad)
{
    char digits[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(value % base);
        digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        value /= base;
    } while (value != 0 && n < (int)sizeof digits);
    while (n < width && n < (int)sizeof digits) {
        digits[n++] = pad;
    }
    while (n > 0 && *out < end) {
        *(*out)++ = digits[--n];
    }
}

/* A small printf: %d %u %x %s %c %%, with optional zero padding and width; enough for tests. */
int h5_vsnprintf(char *buffer, unsigned size, const char *format, va_list args)
{
    char *out = buffer;
    char *end = buffer + size - 1;
    for (const char *p = format; *p != '\0' && out < end; p++) {
        if (*p != '%') {
            *out++ = *p;
            continue;
        }
        p++;
        char pad = ' ';
        int width = 0;
        int is_long = 0;
        if (*p == '0') {
            pad = '0';
            p++;
        }
        while (*p >= '0' && *p <= '9') {
            width = width * 10 + (*p++ - '0');
        }
        while (*p == 'l') {
            is_long = 1;
            p++;
        }
        switch (*p) {
        case 'd': {
            long v = is_long ? va_arg(args, long) : va_arg(args, int);
            if (v < 0 && out < end) {
                *out++ = '-';
                v = -v;
            }
            put_unsigned(&out, end, (unsigned long)v, 10, width, pad);
            break;
        }
        case 'u':
            put_unsigned(&out, end, is_long ? va_arg(args, unsigned long) : va_arg(args, unsigned), 10, width, pad);
            break;
        case 'x':
        case 'p':
            put_unsigned(&out, end, is_long ? va_arg(args, unsigned long) : va_arg(args, unsigned), 16, width, pad);
            break;
        case 's': {
            const char *s = va_arg(args, const char *);
            while (s && *s && out < end) {
                *out++ = *s++;
            }
            break;
        }
        case 'c':
            *out++ = (char)va_arg(args, int);
            break;
        case '%':
            *out++ = '%';
            break;
        default:
            break;
        }
    }
    *out = '\0';
    return (int)(out - buffer);
}

void sh_printf(const char *format, ...)
{
    char buffer[256];
    va_list args;
    va_start(args, format);
    h5_vsnprintf(buffer, sizeof buffer, format, args);
    va_end(args);
    sh_write0(buffer);
}

void sh_exit(int code)
{
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    semihost_call(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}
