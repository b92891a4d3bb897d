/* SPDX-License-Identifier: BSD-2-Clause */
/* source_linux_bpf.h - private: the linux source's BPF family (capture descriptors). */
#ifndef NBSTACK_SOURCE_LINUX_BPF_H
#define NBSTACK_SOURCE_LINUX_BPF_H

struct lx;
struct lx_bpf;

/* State of the family (lx->bpf): its sock_diag socket and reused arrays. */
int	lx_bpf_init(struct lx_bpf **bp, const char *root);
void	lx_bpf_free(struct lx_bpf **bp);
/* Refresh NB_FAM_BPF (lx->mu held); 0 or -errno (lx->err set). */
int	lx_bpf_refresh(struct lx *lx, struct lx_bpf *b);

#endif
