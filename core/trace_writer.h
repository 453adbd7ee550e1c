// TraceWriter: streams the event stream to a Chrome Trace Event Format file, the JSON
// that Perfetto (ui.perfetto.dev) and chrome://tracing open.
//
// Each event is written the moment it is emitted, so a trace of any length costs no
// memory. The file is one JSON object:
//
//   {"displayTimeUnit":"ns","traceEvents":[
//   {"name":"process_name","ph":"M",...},          metadata: process "vmlab", thread "cpu0"
//   {"name":"#PF","cat":"exception","ph":"i","s":"t","ts":12.345,"pid":1,"tid":1,
//    "args":{"vector":"0xe","error_code":"0x2","eip":"0xc0101234"}},
//   {"name":"tae.cli","cat":"exit","ph":"X","ts":13.000,"dur":3.200,...}, an exit over its cost
//   {"name":"exits","ph":"C","ts":16.200,...,"args":{"privileged-instruction":1}},
//   ...
//   ]}
//
// Time is guest virtual time, never host time: one virtual cycle is shown as one
// nanosecond, so "ts" (which the format defines in microseconds) is cycles / 1000,
// written with exactly three decimals so that it is exact and identical on every run.
#pragma once
#include <cstdio>
#include <map>
#include <string>

#include "core/events.h"

namespace vmlab {

class TraceWriter {
 public:
  // Opens (truncates) `path` and subscribes to `events`. Throws UserError when the
  // file cannot be opened.
  TraceWriter(EventStream& events, const std::string& path);
  // Calls close(), swallowing a write error: a destructor may run during unwinding.
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Unsubscribes, ends the JSON and closes the file. Throws UserError if any write
  // failed (e.g. disk full). Calling it again does nothing.
  void close();

  u64 events_written() const { return m_written; }

 private:
  void write_event(const Event& e);
  void write(const std::string& text);

  EventStream& m_events;
  std::string m_path;
  std::FILE* m_file = nullptr;
  int m_subscription = 0;
  u64 m_written = 0;
  int m_write_errno = 0;  // first write error, reported by close()
  std::map<std::string, u64> m_exit_counts;  // exits by category so far (counter track)
};

}  // namespace vmlab
