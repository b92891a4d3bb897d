/* consumer.c - a program outside the tree: the installed libnbstat reads kern.hostname and lo's MTU. */
#include <inttypes.h>
#include <stdio.h>
#include <sysctl-tree/sysctl.h>

int
main(void)
{
	struct nb_sysctl *h = NULL;
	struct nb_sysctl_value v;
	int error;

	if ((error = nb_sysctl_open(NULL, &h)) != 0 ||
	    (error = nb_sysctl_get(h, "kern.hostname", 0, &v)) != 0)
		return fprintf(stderr, "consumer: kern.hostname: %d\n", error), 1;
	printf("kern.hostname = %s\n", v.str);
	if ((error = nb_sysctl_get(h, "net.interfaces.lo.mtu", 0, &v)) != 0)
		return fprintf(stderr, "consumer: net.interfaces.lo.mtu: %d\n", error), 1;
	printf("net.interfaces.lo.mtu = %" PRIu64 "\n", v.u);
	nb_sysctl_close(&h);
	return 0;
}
