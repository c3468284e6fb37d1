/* Semihosting (BKPT 0xAB) helpers for h5sim test firmware: console output and exit codes. */
#ifndef H5_SEMIHOSTING_H
#define H5_SEMIHOSTING_H
#include <stdint.h>

void sh_write0(const char *text);
void sh_writec(char c);
void sh_printf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Ends the program; h5sim and QEMU exit with `code`. */
void sh_exit(int code) __attribute__((noreturn));

#endif
