#include "devices/disk_image.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/counters.h"
#include "core/error.h"

namespace vmlab {

namespace {
std::string not_a_file_message(const std::string& path) {
  return fmt::format("'{}' is not a regular file: --disk takes a raw disk image file", path);
}
}  // namespace

DiskImage::DiskImage(std::string path, WritePolicy policy, Counters& counters, std::string name,
                     u64 overlay_limit_bytes)
    : m_path(std::move(path)),
      m_policy(policy),
      m_overlay_limit_sectors(overlay_limit_bytes / kSectorSize),
      m_file_sectors_read(counters.device(name + ".file_sectors_read")),
      m_file_sectors_written(counters.device(name + ".file_sectors_written")),
      m_overlay_sector_count(counters.device(name + ".overlay_sectors")),
      m_flushes(counters.device(name + ".flushes")) {
  open_file();
  try {
    struct stat st {};
    if (::fstat(m_fd, &st) != 0)
      throw UserError(fmt::format("cannot read disk image '{}': {}", m_path, std::strerror(errno)));
    if (!S_ISREG(st.st_mode)) throw UserError(not_a_file_message(m_path));
    validate_size(static_cast<u64>(st.st_size));
    m_sectors = static_cast<u64>(st.st_size) / kSectorSize;
    lock_file();
  } catch (...) {
    ::close(m_fd);
    throw;
  }
}

DiskImage::~DiskImage() {
  if (m_policy == WritePolicy::WriteThrough) {
    try {
      flush();
    } catch (const DiskIoError&) {
      // Nothing left to report to: the guest is gone and destructors must not throw.
    }
  }
  ::close(m_fd);
}

// Copy-on-write opens read-only, so even a bug in this class cannot write the file.
void DiskImage::open_file() {
  bool writable = m_policy == WritePolicy::WriteThrough;
  m_fd = ::open(m_path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
  if (m_fd >= 0) return;
  int err = errno;
  if (err == EISDIR) throw UserError(not_a_file_message(m_path));
  if (writable && err != ENOENT) {
    throw UserError(fmt::format(
        "cannot open disk image '{}' for writing (--disk-write-through): {}: make it writable "
        "or drop --disk-write-through to keep the guest's writes in memory",
        m_path, std::strerror(err)));
  }
  throw UserError(fmt::format("cannot open disk image '{}': {}: check the path given to --disk",
                              m_path, std::strerror(err)));
}

// A writer holds the lock alone; copy-on-write readers share it. Filesystems without
// flock support are used unlocked: the lock is a safety net, not a requirement.
void DiskImage::lock_file() {
  bool writer = m_policy == WritePolicy::WriteThrough;
  if (::flock(m_fd, (writer ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 || errno != EWOULDBLOCK) return;
  if (writer) {
    throw UserError(fmt::format(
        "'{}' is already open (by another vmlab run, or given twice): --disk-write-through needs "
        "the image to itself",
        m_path));
  }
  throw UserError(fmt::format(
      "'{}' is being written by another vmlab run (--disk-write-through): wait for it to end",
      m_path));
}

// A raw image is a whole number of sectors, at least one, at most what 28-bit LBA reaches.
void DiskImage::validate_size(u64 bytes) const {
  if (bytes == 0) {
    throw UserError(fmt::format(
        "'{}' is empty: a disk image needs at least one 512-byte sector: give it a size, e.g. "
        "truncate -s 1M {}",
        m_path, m_path));
  }
  if (bytes % kSectorSize != 0) {
    u64 padded = (bytes / kSectorSize + 1) * kSectorSize;
    throw UserError(fmt::format(
        "'{}' is {} bytes, not a whole number of 512-byte sectors: pad it, e.g. truncate -s {} {}",
        m_path, bytes, padded, m_path));
  }
  if (bytes / kSectorSize > kMaxSectors) {
    throw UserError(fmt::format(
        "'{}' is {} bytes, more than 28-bit LBA can address (128 GiB): use an image of at most {} "
        "bytes",
        m_path, bytes, kMaxSectors * kSectorSize));
  }
}

void DiskImage::check_range(u64 lba, u32 count) const {
  if (count > m_sectors || lba > m_sectors - count) {
    throw std::out_of_range(fmt::format("disk image '{}': sectors [{}, +{}) outside its {} sectors",
                                        m_path, lba, count, m_sectors));
  }
}

// Reads go to the file in runs of sectors the overlay does not hold, so an image nobody
// wrote to is read with one pread per call.
void DiskImage::read(u64 lba, u32 count, u8* out) {
  check_range(lba, count);
  u32 done = 0;
  while (done < count) {
    if (auto hit = m_overlay.find(lba + done); hit != m_overlay.end()) {
      std::memcpy(out + u64{done} * kSectorSize, hit->second.data(), kSectorSize);
      ++done;
      continue;
    }
    u32 run = 1;
    while (done + run < count && !m_overlay.contains(lba + done + run)) ++run;
    read_file(lba + done, run, out + u64{done} * kSectorSize);
    done += run;
  }
}

void DiskImage::write(u64 lba, u32 count, const u8* in) {
  check_range(lba, count);
  if (m_policy == WritePolicy::CopyOnWrite)
    write_overlay(lba, count, in);
  else
    write_file(lba, count, in);
}

// Capacity is checked before anything is stored, so a refused write leaves no trace.
void DiskImage::write_overlay(u64 lba, u32 count, const u8* in) {
  u64 new_sectors = 0;
  for (u32 i = 0; i < count; ++i) new_sectors += m_overlay.contains(lba + i) ? 0 : 1;
  if (m_overlay.size() + new_sectors > m_overlay_limit_sectors) {
    throw DiskIoError(fmt::format("copy-on-write overlay of '{}' is full ({} sectors)", m_path,
                                  m_overlay_limit_sectors));
  }
  for (u32 i = 0; i < count; ++i)
    std::memcpy(m_overlay[lba + i].data(), in + u64{i} * kSectorSize, kSectorSize);
  m_overlay_sector_count = m_overlay.size();
}

// pread may return fewer bytes than asked (signals, large requests); zero bytes means
// the file shrank under us, which is the host's problem, reported as an I/O error.
void DiskImage::read_file(u64 lba, u32 count, u8* out) {
  u64 total = u64{count} * kSectorSize;
  u64 done = 0;
  while (done < total) {
    off_t offset = static_cast<off_t>(lba * kSectorSize + done);
    ssize_t n = ::pread(m_fd, out + done, total - done, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw DiskIoError(fmt::format("reading '{}' at sector {}: {}", m_path, lba,
                                    n == 0 ? "the file got shorter" : std::strerror(errno)));
    }
    done += static_cast<u64>(n);
  }
  m_file_sectors_read += count;
}

void DiskImage::write_file(u64 lba, u32 count, const u8* in) {
  u64 total = u64{count} * kSectorSize;
  u64 done = 0;
  while (done < total) {
    off_t offset = static_cast<off_t>(lba * kSectorSize + done);
    ssize_t n = ::pwrite(m_fd, in + done, total - done, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw DiskIoError(fmt::format("writing '{}' at sector {}: {}", m_path, lba,
                                    n == 0 ? "nothing written" : std::strerror(errno)));
    }
    done += static_cast<u64>(n);
  }
  m_file_sectors_written += count;
}

void DiskImage::flush() {
  ++m_flushes;
  if (m_policy == WritePolicy::CopyOnWrite) return;
  int rc;
  do {
    rc = ::fdatasync(m_fd);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) throw DiskIoError(fmt::format("syncing '{}': {}", m_path, std::strerror(errno)));
}

}  // namespace vmlab
