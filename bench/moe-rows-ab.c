/*
 * The MoE decode rows kernel against a saved copy of an older one, and a plain vector read, in one
 * process: interleaved trials over a buffer far beyond the last-level cache (each trial on bytes not
 * touched for ~1 GB), thread CPU time, medians. Checks first that both give the same bits.
 * One thread: the kernel's bytes per second against what one core can read, on a shared machine
 * (time spent descheduled is not counted; the other core's load still shares the memory bus).
 *
 *   git archive bf8dc57 native | tar -x -C /tmp/old          # the kernel to compare with
 *   gcc -O3 -std=gnu11 -I/tmp/old -c /tmp/old/native/f32-mxfp4w-moe-q8.c -o /tmp/old.o \
 *       -Dmoe_rows4_q8_avx512=old_moe_rows4_q8_avx512 -Dmoe_prep_derived=old_moe_prep_derived \
 *       -Dmoe_split4=old_moe_split4 -Dmoe_expand_bytes=old_moe_expand_bytes \
 *       -Dmoe_expand_avx512=old_moe_expand_avx512 -Dmoe_tile_q8_avx512=old_moe_tile_q8_avx512
 *   gcc -O3 -std=gnu11 -I. -o /tmp/moe-rows-ab bench/moe-rows-ab.c /tmp/old.o native/f32-mxfp4w-moe-q8.c \
 *       native/tables.c native/dispatch.c -lm
 *   /tmp/moe-rows-ab [bytes=1 GiB] [trials=40] [bytes per trial=32 MiB]
 * NR=64 with a small buffer (600000 200 200000) keeps it in L2: the kernels' compute bound. NOHUGE=1:
 * 4 KiB pages. GPT_OSS_PREFETCH=l1|l2 and GPT_OSS_SIMD as for the addon. Shapes: K = 2880 (20b).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include "native/f32-mxfp4w-moe-q8.h"
void old_moe_rows4_q8_avx512(const uint8_t *B, const uint8_t *S, int nr, int K, const int8_t *q4, const float *hx,
                         const float *cx, float *out, size_t out_stride);
static double now(){struct timespec t;clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t);return t.tv_sec+t.tv_nsec*1e-9;}
__attribute__((target("avx512f"))) static uint64_t read512(const uint8_t *p, size_t bytes) {
  __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
  for (size_t o = 0; o + 256 <= bytes; o += 256) {
    a0 = _mm512_add_epi64(a0, _mm512_load_si512((const void *)(p + o)));
    a1 = _mm512_add_epi64(a1, _mm512_load_si512((const void *)(p + o + 64)));
    a2 = _mm512_add_epi64(a2, _mm512_load_si512((const void *)(p + o + 128)));
    a3 = _mm512_add_epi64(a3, _mm512_load_si512((const void *)(p + o + 192)));
  }
  return _mm512_reduce_add_epi64(_mm512_add_epi64(_mm512_add_epi64(a0, a1), _mm512_add_epi64(a2, a3)));
}
static int cmpd(const void *a, const void *b){double x=*(const double*)a,y=*(const double*)b;return x<y?-1:x>y;}
int main(int argc,char**argv){
  size_t ws=argc>1?strtoull(argv[1],0,10):(1ull<<30); int trials=argc>2?atoi(argv[2]):40; size_t chunk=argc>3?strtoull(argv[3],0,10):(32u<<20);
  int nr=getenv("NR")?atoi(getenv("NR")):1024, K=2880, nb=K/32; go_tables_init(); go_dispatch_init(getenv("GPT_OSS_SIMD"));
  size_t rowb=nb*16, rows=ws/(nb*17)/nr*nr, crow=chunk/(nb*17)/nr*nr; if(crow<nr)crow=nr; if(rows<3*crow) rows=3*crow;
  uint8_t *B=mmap(0,rows*rowb+(2<<20),PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0); if(!getenv("NOHUGE")) madvise(B,rows*rowb,MADV_HUGEPAGE); else madvise(B,rows*rowb,MADV_NOHUGEPAGE);
  uint8_t *S=mmap(0,rows*nb+(2<<20),PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0); madvise(S,rows*nb,MADV_HUGEPAGE);
  unsigned sd=1;
  for(size_t i=0;i<rows*rowb;i+=4){unsigned v=(sd=sd*1103515245u+12345u); v^=v>>15; memcpy(B+i,&v,4);}
  for(size_t i=0;i<rows*nb;i++) S[i]=118+((sd=sd*1103515245u+12345u)>>16)%8;
  int8_t xq[2*2880+128]; float d[nb]; for(int i=0;i<2*K;i++) xq[i]=(sd=sd*1103515245u+12345u)>>24; for(int i=0;i<nb;i++) d[i]=0.001f*(1+i%7);
  for(int i=K;i<2*K;i++) xq[i]&=127;
  int8_t *q4=aligned_alloc(64,2*moe_q4_stride(K)); float hx[moe_nbp(K)],cx[moe_nbp(K)];
  moe_prep_derived(xq,d,K,hx,cx); moe_split4(q4,xq,K); moe_split4(q4+moe_q4_stride(K),xq+K,K);
  float *o1=malloc(rows*4), *o2=malloc(rows*4);
  /* correctness: same outputs */
  old_moe_rows4_q8_avx512(B,S,nr,K,q4,hx,cx,o1,1); moe_rows4_q8_avx512(B,S,nr,K,q4,hx,cx,o2,1);
  double maxd=0; int same=1; for(int i=0;i<nr;i++){double e=o1[i]-o2[i]; if(e<0)e=-e; if(e>maxd)maxd=e; if(o1[i]!=o2[i]) same=0;}
  printf("rows %zu (%.0f MB), chunk %zu rows (%.1f MB); new vs old: %s, max |diff| %.3g\n", rows, rows*nb*17/1e6, crow, crow*nb*17/1e6, same?"bit-identical":"DIFFERENT", maxd);
  double *g[3]; for(int v=0;v<3;v++) g[v]=calloc(trials,sizeof(double));
  size_t pos=0; uint64_t sink=0;
  for(int t=0;t<trials+2;t++) for(int v0=0;v0<3;v0++){ int v=(v0+t)%3;
    if(pos+crow>rows) pos=0;
    const uint8_t *b=B+pos*rowb, *s=S+pos*nb; double t0=now();
    if(v==0) for(size_t r=0;r<crow;r+=nr) old_moe_rows4_q8_avx512(b+r*rowb,s+r*nb,nr,K,q4,hx,cx,o1+r,1);
    else if(v==1) for(size_t r=0;r<crow;r+=nr) moe_rows4_q8_avx512(b+r*rowb,s+r*nb,nr,K,q4,hx,cx,o1+r,1);
    else { sink+=read512(b,crow*rowb); sink+=read512(s,crow*nb); }
    double dt=now()-t0; if(t>=2) g[v][t-2]=crow*nb*17/dt/1e9; pos+=crow; }
  const char *nm[3]={"old","new","read"}; double med[3];
  for(int v=0;v<3;v++){ qsort(g[v],trials,sizeof(double),cmpd); med[v]=g[v][trials/2]; printf("%-5s median %.2f GB/s  (p25 %.2f, p75 %.2f, max %.2f)\n",nm[v],med[v],g[v][trials/4],g[v][3*trials/4],g[v][trials-1]); }
  printf("new/old %.3f  old/read %.2f  new/read %.2f  [%llu]\n", med[1]/med[0], med[0]/med[2], med[1]/med[2], (unsigned long long)(sink&1));
}
