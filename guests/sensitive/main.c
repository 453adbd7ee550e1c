/* sensitive: probes the x86 instructions that are sensitive but unprivileged (Robin &
 * Irvine, USENIX Security 2000) and prints, one line per probe,
 *   PROBE <name> expected=<hex> observed=<hex>|fault leak=<yes|no>
 * where expected is what bare metal at ring 0 gives and leak=yes means the value differs
 * (or the probe faulted). Then
 *   sensitive: <N> probes, <M> leaks
 *   sensitive: leaked: <names>            (only if M > 0)
 * Natively (CPL 0) nothing leaks; under a trap-and-emulate monitor that runs the guest
 * kernel at ring 1, several do. Leaks are the result, not a failure: the guest exits with
 * success (port 0xF4 value 0x10) either way, and with failure (0x11) only if its own
 * machinery does not work (an exception outside a probe, fault recovery broken).
 *
 * With the command line `strict` the guest stands for software that relies on these
 * instructions behaving as on bare metal (a kernel that saves IF with PUSHF, a VM
 * detector): any leak then ends the run with failure and a FAIL line, which is what
 * `vmlab compare` reports for such a guest instead of numbers. */
#include "libc.h"
#include "sensitive.h"

/* The guest's own check that probe_guarded catches a fault: UD2 must come back as #UD. */
static void raise_ud(struct observation* o) {
  (void)o;
  __asm__ volatile("ud2");
}

static void check_fault_recovery(void) {
  struct observation o = {0, 0, 0, 0};
  if (probe_guarded(raise_ud, &o) && sens_fault.vector == VEC_UD) return;
  sens_printf("sensitive: internal error: UD2 in a guarded probe did not come back as #UD\n");
  guest_exit(1);
}

/* Run one probe and print its line (and a detail line for a fault or a differing table
 * limit). Returns 1 if it leaked. */
static int run_probe(const struct probe* p) {
  struct observation o = {0, 0, 0, 0};
  int faulted = probe_guarded(p->run, &o);
  if (p->cleanup) p->cleanup();
  if (faulted) {
    sens_printf("PROBE %s expected=0x%x observed=fault leak=yes\n", p->name, o.expected);
    sens_printf("sensitive: %s faulted: vector %u, error code 0x%x\n", p->name, sens_fault.vector,
                sens_fault.error);
    return 1;
  }
  int leak = o.expected != o.observed || o.expected_limit != o.observed_limit;
  sens_printf("PROBE %s expected=0x%x observed=0x%x leak=%s\n", p->name, o.expected, o.observed,
              leak ? "yes" : "no");
  if (o.expected_limit != o.observed_limit)
    sens_printf("sensitive: %s limit expected=0x%x observed=0x%x\n", p->name, o.expected_limit,
                o.observed_limit);
  return leak;
}

/* The Multiboot information fields used here (flags bit 2: cmdline valid). */
struct multiboot_info {
  u32 flags, mem_lower, mem_upper, boot_device, cmdline;
};

static int strict_requested(u32 magic, const struct multiboot_info* info) {
  if (magic != 0x2BADB002u || !info || !(info->flags & 4) || !info->cmdline) return 0;
  char words[128];
  strncpy_z(words, (const char*)info->cmdline, sizeof words);
  char* argv[8];
  int argc = split_words(words, argv, 8);
  for (int k = 0; k < argc; ++k)
    if (strcmp(argv[k], "strict") == 0) return 1;
  return 0;
}

int guest_main(u32 magic, const struct multiboot_info* info) {
  int strict = strict_requested(magic, info);
  console_init();
  machine_init();
  timer_init();
  check_fault_recovery();
  static const char* leaked[64];
  if (sens_probe_count > (int)(sizeof leaked / sizeof leaked[0])) {
    sens_printf("sensitive: internal error: more probes than the leak list holds\n");
    guest_exit(1);
  }
  int leaks = 0;
  for (int k = 0; k < sens_probe_count; ++k)
    if (run_probe(&sens_probes[k])) leaked[leaks++] = sens_probes[k].name;
  sens_printf("sensitive: %d probes, %d leaks\n", sens_probe_count, leaks);
  if (leaks) {
    sens_printf("sensitive: leaked:");
    for (int k = 0; k < leaks; ++k) sens_printf(" %s", leaked[k]);
    sens_printf("\n");
    if (strict) {
      sens_printf("FAIL sensitive %d instructions do not behave as on bare metal\n", leaks);
      return 1;
    }
  }
  return 0;
}
