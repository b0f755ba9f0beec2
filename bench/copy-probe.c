/*
 * Probe of the expert copy alone (BENCHMARKS.md, issue 13 item 3 load): pread()s SIZE_GB of FILE on 2 threads
 * (8 MiB chunks) into fresh anonymous memory and prints wall, user and system time and AnonHugePages.
 * MODE 0: MADV_HUGEPAGE (what the addon does); 1: 4 KiB pages; 2: 4 KiB then MADV_COLLAPSE;
 * 3: MADV_HUGEPAGE + MADV_POPULATE_WRITE per chunk; 4: as 0 with posix_fadvise(POSIX_FADV_NOREUSE) on FILE.
 * build: gcc -O2 -pthread -o /tmp/copy-probe bench/copy-probe.c   run: /tmp/copy-probe SIZE_GB MODE [FILE]
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <pthread.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE 25
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
static char *buf; static size_t N; static int mode, fd; static size_t CH = 8<<20;
static double now(){struct timespec t;clock_gettime(CLOCK_MONOTONIC,&t);return t.tv_sec+t.tv_nsec*1e-9;}
static void *work(void *arg){ long id=(long)arg; size_t nch=N/CH;
  for(size_t c=id;c<nch;c+=2){ char *p=buf+c*CH;
    if(mode==3){ madvise(p,CH,MADV_POPULATE_WRITE); }
    if(fd>=0){ size_t d=0; while(d<CH){ssize_t r=pread(fd,p+d,CH-d,(off_t)(c*CH+d)); if(r<=0)break; d+=r;} }
    else for(size_t i=0;i<CH;i+=4096)p[i]=1;
  } return 0;}
int main(int argc,char**argv){ N=(size_t)atof(argv[1])*1e9; N&=~(CH-1); mode=atoi(argv[2]); fd=argc>3?open(argv[3],O_RDONLY):-1;
  /* mode 0: MADV_HUGEPAGE; 1: none; 2: none then MADV_COLLAPSE; 3: HUGEPAGE+populate per chunk */
  double t0=now(); buf=mmap(0,N+(2<<20),PROT_READ|PROT_WRITE,MAP_PRIVATE|MAP_ANONYMOUS,-1,0);
  buf=(char*)(((unsigned long)buf+(2<<20)-1)&~((2ul<<20)-1));
  if(mode==0||mode==3||mode==4)madvise(buf,N,MADV_HUGEPAGE);
  if(mode==4&&fd>=0)printf("noreuse %d\n",posix_fadvise(fd,0,0,POSIX_FADV_NOREUSE));
  pthread_t th[2]; for(long i=0;i<2;i++)pthread_create(&th[i],0,work,(void*)i); for(int i=0;i<2;i++)pthread_join(th[i],0);
  double t1=now(); if(mode==2){ madvise(buf,N,MADV_HUGEPAGE); int r=madvise(buf,N,MADV_COLLAPSE); if(r)perror("collapse"); }
  double t2=now(); struct rusage ru; getrusage(RUSAGE_SELF,&ru);
  FILE*f=fopen("/proc/self/smaps_rollup","r"); char l[256]; long ah=0; while(fgets(l,256,f)) if(!strncmp(l,"AnonHugePages:",14)) ah=atol(l+14);
  printf("mode %d fd %d: fill %.2f s collapse %.2f s user %.2f sys %.2f  AnonHuge %.2f GB\n",mode,fd>=0,t1-t0,t2-t1,ru.ru_utime.tv_sec+ru.ru_utime.tv_usec*1e-6,ru.ru_stime.tv_sec+ru.ru_stime.tv_usec*1e-6,ah/1e6);
}
