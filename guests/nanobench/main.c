/* nanobench: the Adams & Agesen nanobenchmarks (ASPLOS 2006) as a Multiboot guest. Each
 * operation runs N times in a loop bracketed by RDTSC and prints
 *   RESULT <name> iterations=<n> cycles=<total> cycles_per_iteration=<int>.<tenth>
 * then a summary line; the exit status (port 0xF4) is 0 only if every check passed.
 *
 * Command line (Multiboot), words separated by spaces:
 *   <number>     N for every operation (instead of the defaults in ops.c)
 *   <name>       run this operation; if any are named, only those run, in that order
 *   <name>=<N>   run this operation N times
 * A first word containing '/' or '.' is the kernel's path, which GRUB and QEMU put
 * there, and is skipped. Built with NANOBENCH_ONLY=<name with '_' for '-'>, the guest
 * runs only that operation by default. */
#include "libc.h"
#include "nanobench.h"

#define MAX_WORDS 64

struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};
#define MULTIBOOT_INFO_CMDLINE (1u << 2)

struct selection {
  const struct op* op;
  u32 n; /* 0: the default (or the bare number) */
};

static char g_cmdline[512];

static const struct op* find_op(const char* name, size_t len) {
  for (int k = 0; k < nb_op_count; ++k)
    if (strlen(nb_ops[k].name) == len && !strncmp(nb_ops[k].name, name, len)) return &nb_ops[k];
  return 0;
}

static int is_path(const char* word) {
  for (; *word; ++word)
    if (*word == '/' || *word == '.') return 1;
  return 0;
}

/* A whole word of decimal digits, at least 1; 0 if it is not one. */
static u32 parse_count(const char* s) {
  const char* end;
  if (*s < '0' || *s > '9') return 0;
  u32 v = parse_ulong(s, &end);
  return *end ? 0 : v;
}

static void __attribute__((noreturn)) bad_word(const char* word) {
  nb_printf("nanobench: unknown word '%s'\nnanobench: operations:", word);
  for (int k = 0; k < nb_op_count; ++k) nb_printf(" %s", nb_ops[k].name);
  nb_printf(" (a bare number N >= 1 sets N for all; name=N for one)\n");
  guest_exit(1);
}

/* Parse the command line into *sel (returns its length) and *all_n (0 if not given). */
static int parse_cmdline(char* line, struct selection* sel, u32* all_n) {
  char* words[MAX_WORDS];
  int count = split_words(line, words, MAX_WORDS), chosen = 0;
  int first = count > 0 && is_path(words[0]);
  *all_n = 0;
  for (int k = first; k < count; ++k) {
    const char* w = words[k];
    const char* eq = w;
    while (*eq && *eq != '=') ++eq;
    if (*w >= '0' && *w <= '9') {
      if (!(*all_n = parse_count(w))) bad_word(w);
      continue;
    }
    const struct op* op = find_op(w, (size_t)(eq - w));
    u32 n = *eq ? parse_count(eq + 1) : 0;
    if (!op || (*eq && !n)) bad_word(w);
    sel[chosen++] = (struct selection){op, n};
  }
  return chosen;
}

/* The operation a single-operation guest runs by default (CMake passes its name with '_'
 * for '-'); empty in nanobench.elf. */
#ifdef NANOBENCH_ONLY
#define NB_STRING2(x) #x
#define NB_STRING(x) NB_STRING2(x)
static const char g_only[] = NB_STRING(NANOBENCH_ONLY);
#else
static const char g_only[] = "";
#endif

static int is_only(const char* name) {
  const char* o = g_only;
  while (*name && (*name == *o || (*name == '-' && *o == '_'))) ++name, ++o;
  return !*name && !*o;
}

/* With no operation named: all of them, or the one this guest was built for. */
static int default_selection(struct selection* sel) {
  int chosen = 0;
  for (int k = 0; k < nb_op_count; ++k)
    if (!g_only[0] || is_only(nb_ops[k].name)) sel[chosen++] = (struct selection){&nb_ops[k], 0};
  return chosen;
}

static u32 cpuid_features(void) {
  u32 a = 0, b, c, d;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
  if (a < 1) return 0;
  a = 1;
  __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "=c"(c), "=d"(d));
  return d;
}

/* Run one operation and print its lines; returns 1 if a check failed, -1 if skipped. */
static int run_one(const struct selection* s, u32 all_n) {
  u32 n = s->n ? s->n : all_n ? all_n : s->op->default_n;
  u64 cycles = 0;
  int failed = op_run(s->op, n, &cycles);
  if (failed < 0) return -1;
  char line[160];
  format_result(line, sizeof line, s->op->name, n, cycles);
  nb_printf("%s", line);
  return failed ? 1 : 0;
}

int guest_main(u32 magic, const struct multiboot_info* info) {
  console_init();
  if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (info->flags & MULTIBOOT_INFO_CMDLINE))
    strncpy_z(g_cmdline, (const char*)info->cmdline, sizeof g_cmdline);
  static struct selection sel[MAX_WORDS];
  u32 all_n;
  int count = parse_cmdline(g_cmdline, sel, &all_n);
  if (!count) count = default_selection(sel);
  nb_cpu_features = cpuid_features();
  if (!(nb_cpu_features & CPUID_CMOV)) { /* the guests are compiled for i686 */
    puts_com1("nanobench: needs a P6-class CPU (CPUID reports no CMOV)\n");
    guest_exit(1);
  }
  if (!(nb_cpu_features & CPUID_TSC)) {
    nb_printf("nanobench: CPUID reports no TSC: nothing to time with\n");
    guest_exit(1);
  }
  machine_init();
  paging_init();
  timer_init((nb_cpu_features & CPUID_APIC) != 0);
  if (nb_cpu_features & CPUID_SEP) sysenter_init();
  int ran = 0, failures = 0;
  for (int k = 0; k < count; ++k) {
    int r = run_one(&sel[k], all_n);
    if (r >= 0) ++ran, failures += r;
  }
  nb_printf("nanobench: %d operations, %d failures\n", ran, failures);
  guest_exit(failures ? 1 : 0);
}
