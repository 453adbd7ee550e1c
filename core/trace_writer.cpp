#include "core/trace_writer.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "modes/exit.h"

namespace vmlab {

namespace {

// What one event looks like in the trace. Names, categories and argument keys are
// our own fixed ASCII text, so the JSON is written directly without an escaping pass.
struct TraceEntry {
  std::string name;
  const char* category;
  std::string args;  // the inside of the "args" object
};

// Builds the inside of an "args" object. Addresses and values are hex strings because
// JSON numbers read badly as addresses and trace viewers show strings verbatim.
class Args {
 public:
  Args& hex(const char* key, u32 value) { return raw(key, fmt::format("\"{:#x}\"", value)); }
  Args& num(const char* key, u32 value) { return raw(key, fmt::format("{}", value)); }
  Args& text(const char* key, const char* value) {
    return raw(key, fmt::format("\"{}\"", value));
  }
  std::string str() const { return m_text; }

 private:
  Args& raw(const char* key, const std::string& json_value) {
    if (!m_text.empty()) m_text += ',';
    m_text += fmt::format("\"{}\":{}", key, json_value);
    return *this;
  }
  std::string m_text;
};

const char* table_name(u8 table) {
  switch (static_cast<PageTableKind>(table)) {
    case PageTableKind::Guest: return "guest";
    case PageTableKind::Shadow: return "shadow";
    case PageTableKind::Ept: return "ept";
  }
  return "unknown";
}

const char* task_switch_reason(u32 reason) {
  static const char* const kReasons[] = {"jmp", "call/int", "iret"};
  return reason < std::size(kReasons) ? kReasons[reason] : "unknown";
}

TraceEntry describe_exception(const Event& e) {
  const char* mnemonic = exception_mnemonic(e.a);
  Args args;
  args.hex("vector", e.a);
  if (e.flags & Event::kHasErrorCode) args.hex("error_code", e.b);
  args.hex("eip", e.c);
  return {mnemonic ? mnemonic : fmt::format("exception {:#x}", e.a), "exception", args.str()};
}

TraceEntry describe_tlb_flush(const Event& e) {
  if (e.flags & Event::kInvlpg)
    return {"INVLPG", "tlb", Args().hex("page", e.a).str()};
  return {"TLB flush", "tlb",
          Args().text("global_pages", (e.flags & Event::kGlobalToo) ? "flushed" : "kept").str()};
}

TraceEntry describe_io(const Event& e) {
  bool write = e.flags & Event::kWrite;
  std::string args = Args().hex("addr", e.a).hex("value", e.b).num("size", e.size_or_level).str();
  if (e.kind == EventKind::PortIo)
    return {fmt::format("{} {:#x}", write ? "out" : "in", e.a), "io", args};
  return {fmt::format("mmio {} {:#x}", write ? "write" : "read", e.a), "io", args};
}

// The readable name, category and arguments of any event (payloads: core/events.h).
TraceEntry describe(const Event& e) {
  switch (e.kind) {
    case EventKind::Exception: return describe_exception(e);
    case EventKind::Interrupt:
      return {fmt::format("interrupt {:#x}", e.a), "interrupt",
              Args().hex("vector", e.a).hex("eip", e.c).str()};
    case EventKind::SoftwareInt:
      return {fmt::format("INT {:#x}", e.a), "interrupt",
              Args().hex("vector", e.a).hex("eip", e.c).str()};
    case EventKind::PageWalk:
      return {fmt::format("page walk L{}", e.size_or_level), "paging",
              Args().hex("linear", e.a).hex("entry_addr", e.b).hex("entry", e.c)
                  .text("table", table_name(e.table)).str()};
    case EventKind::TlbFill:
      return {"TLB fill", "tlb",
              Args().hex("linear_page", e.a).hex("physical_page", e.b).hex("flags", e.c).str()};
    case EventKind::TlbFlush: return describe_tlb_flush(e);
    case EventKind::PortIo:
    case EventKind::Mmio: return describe_io(e);
    case EventKind::Halt: return {"HLT", "cpu", Args().hex("eip", e.c).str()};
    case EventKind::TaskSwitch:
      return {"task switch", "cpu",
              Args().hex("old_tss", e.a).hex("new_tss", e.b)
                  .text("reason", task_switch_reason(e.c)).str()};
    case EventKind::Exit: {
      std::string reason = exit_reason_name(e.table, u16(e.a));
      std::string category(category_name(ExitCategory(e.size_or_level)));
      return {reason, "exit",
              Args().text("reason", reason.c_str()).num("reason_code", e.a).text("category", category.c_str())
                  .hex("qualification", e.b).hex("eip", e.c).num("cost", e.d).str()};
    }
    case EventKind::RunEnd:  // a = core/machine.h RunResult::Kind
      return {"run end", "cpu", Args().num("result", e.a).str()};
    case EventKind::IrqLine:
      return {fmt::format("IRQ{} {}", e.a, e.b ? "raised" : "lowered"), "interrupt",
              Args().num("line", e.a).num("level", e.b).str()};
  }
  return {event_kind_name(e.kind), "cpu", ""};
}

// Microseconds with three decimals from integer cycles (1 cycle = 1 ns). Integer
// arithmetic, because a double loses whole cycles beyond 2^53.
std::string timestamp(u64 cycles) { return fmt::format("{}.{:03}", cycles / 1000, cycles % 1000); }

}  // namespace

TraceWriter::TraceWriter(EventStream& events, const std::string& path)
    : m_events(events), m_path(path), m_file(std::fopen(path.c_str(), "w")) {
  if (!m_file)
    throw UserError(fmt::format("cannot write trace file '{}': {}", path, std::strerror(errno)));
  // "displayTimeUnit" comes first so that the event array can stay open until close().
  write("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
        "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,"
        "\"args\":{\"name\":\"vmlab\"}},\n"
        "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,"
        "\"args\":{\"name\":\"cpu0\"}}");
  m_subscription = m_events.subscribe([this](const Event& e) { write_event(e); });
}

TraceWriter::~TraceWriter() {
  try {
    close();
  } catch (const UserError&) {
    // Nobody can be told from a destructor; callers who care call close() themselves.
  }
}

void TraceWriter::close() {
  if (!m_file) return;
  m_events.unsubscribe(m_subscription);
  write("\n]}\n");
  if (std::fclose(m_file) != 0 && m_write_errno == 0) m_write_errno = errno;
  m_file = nullptr;
  if (m_write_errno != 0) {
    throw UserError(
        fmt::format("error writing trace file '{}': {}", m_path, std::strerror(m_write_errno)));
  }
}

void TraceWriter::write_event(const Event& e) {
  if (!m_file) return;
  TraceEntry entry = describe(e);
  if (e.kind == EventKind::Exit) {
    // A complete event spanning the cycles the exit cost (the clock already moved past
    // them when it was emitted), then the running count of exits of its category.
    u64 start = e.time >= e.d ? e.time - e.d : 0;
    write(fmt::format(",\n{{\"name\":\"{}\",\"cat\":\"exit\",\"ph\":\"X\",\"ts\":{},\"dur\":{},"
                      "\"pid\":1,\"tid\":1,\"args\":{{{}}}}}",
                      entry.name, timestamp(start), timestamp(e.time - start), entry.args));
    std::string category(category_name(ExitCategory(e.size_or_level)));
    u64& count = m_exit_counts[category];
    ++count;
    write(fmt::format(",\n{{\"name\":\"exits\",\"ph\":\"C\",\"ts\":{},\"pid\":1,\"tid\":1,"
                      "\"args\":{{\"{}\":{}}}}}",
                      timestamp(e.time), category, count));
    m_written += 2;
    return;
  }
  write(fmt::format(",\n{{\"name\":\"{}\",\"cat\":\"{}\",\"ph\":\"i\",\"s\":\"t\",\"ts\":{},"
                    "\"pid\":1,\"tid\":1,\"args\":{{{}}}}}",
                    entry.name, entry.category, timestamp(e.time), entry.args));
  ++m_written;
}

// Remember the first failure and keep going: the emulation must not stop because the
// trace disk filled up, but close() will say so.
void TraceWriter::write(const std::string& text) {
  if (std::fputs(text.c_str(), m_file) == EOF && m_write_errno == 0)
    m_write_errno = errno ? errno : EIO;
}

}  // namespace vmlab
