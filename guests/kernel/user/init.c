/* init: the boot script runner, process 1.
 *
 *   init                 runs the script etc/rc from the initrd (the benchmark set)
 *   init SCRIPT.rc       runs that script
 *   init PROG ARGS [; PROG ARGS]...   runs the given command lines (the kernel command
 *                        line after kernel options, e.g. --append "forkwait 1000")
 *
 * Each command is forked, exec'd and waited for in turn; init reports
 *   DONE <prog> status=<s>
 * for each, then "init: <n> programs, <f> failed" and halts the machine through the
 * exit port with status 0 only if every program exited 0. Orphans are reaped on the way. */
#include "ulib.h"

#define MAX_WORDS 16

static int failures, programs;

static int run(char** words, int n) {
  if (!n) return 0;
  words[n] = 0;
  ++programs;
  int pid = fork();
  if (pid < 0) {
    printf("FAIL init fork: error %d\n", pid);
    return 1;
  }
  if (pid == 0) {
    int err = exec(words[0], words);
    printf("init: cannot run '%s': error %d (not in the initrd?)\n", words[0], err);
    exit(127);
  }
  int status = 0, done;
  while ((done = wait(&status)) != pid)
    if (done < 0) {
      printf("FAIL init wait: error %d\n", done);
      return 1;
    }
  printf("DONE %s status=%d\n", words[0], status);
  if (status) ++failures;
  return 0;
}

/* Runs the commands in words[0..n), separated by ";" words or words ending in ';'. */
static void run_words(char** words, int n) {
  char* command[MAX_WORDS + 1];
  int k = 0;
  for (int i = 0; i < n; ++i) {
    u32 len = strlen(words[i]);
    int ends = len && words[i][len - 1] == ';';
    if (ends) words[i][len - 1] = 0;
    if (words[i][0] && k < MAX_WORDS) command[k++] = words[i];
    if (ends) run(command, k), k = 0;
  }
  run(command, k);
}

static void run_script(const char* path) {
  static char text[4096];
  int fd = open(path, O_RDONLY);
  if (fd < 0) {
    printf("FAIL init cannot open script '%s': error %d\n", path, fd);
    ++failures;
    return;
  }
  int size = read(fd, text, sizeof text - 1);
  close(fd);
  if (size < 0) size = 0;
  text[size] = 0;
  for (char* line = text; *line;) {
    char* next = line;
    while (*next && *next != '\n') ++next;
    if (*next) *next++ = 0;
    char* words[MAX_WORDS + 1];
    int n = split_words(line, words, MAX_WORDS);
    if (n && words[0][0] != '#') run_words(words, n);
    line = next;
  }
}

int main(int argc, char** argv) {
  if (getpid() != 1) {
    printf("init: must run as process 1\n");
    return 1;
  }
  u32 len = argc > 1 ? strlen(argv[1]) : 0;
  if (argc == 1)
    run_script("etc/rc");
  else if (argc == 2 && len > 3 && !strcmp(argv[1] + len - 3, ".rc"))
    run_script(argv[1]);
  else
    run_words(argv + 1, argc - 1);
  printf("init: %d programs, %d failed\n", programs, failures);
  halt(failures ? 1 : 0);
}
