/* The smallest fixture: prints through semihosting and exits with a code the host checks. */
#include "semihosting.h"

int main(void)
{
    sh_printf("hello from h5sim %d\n", 563);
    return 7;
}
