// A raw disk image: the file given with --disk, seen as an array of 512-byte sectors.
//
// Two write policies decide what a guest's writes do to the file:
//
//   CopyOnWrite (default)  The file is opened read-only and is never written. A written
//                          sector goes to an in-memory overlay (sector -> 512 bytes) and
//                          later reads of it come from there, so a student's run cannot
//                          alter the image an instructor handed out. The overlay ends
//                          with the DiskImage.
//   WriteThrough           (--disk-write-through) Writes go to the file. flush() makes
//                          them durable; the guest's FLUSH CACHE and the destructor call it.
//
//   read(lba, n)   CopyOnWrite:  for each sector, overlay hit ? overlay : file
//                  WriteThrough: file
//
// The image is validated when it is opened (UserError, one line, says what to do): it
// must be a readable regular file holding a whole, non-zero number of sectors, no more
// than 28-bit LBA addresses. Writers take an advisory lock (flock) so that two runs
// cannot write the same image, and no copy-on-write run reads an image while another run
// writes it.
//
// Errors: a caller asking for sectors beyond the end is a programming error
// (std::out_of_range; the disk controller checks ranges first). A host I/O failure during
// the run, or a full overlay, throws DiskIoError, which the controller reports to the
// guest as a device error.
#pragma once
#include <array>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "core/types.h"

namespace vmlab {

struct Counters;

enum class WritePolicy { CopyOnWrite, WriteThrough };

// The host could not complete a read, write or flush, or the copy-on-write overlay is
// full. The guest sees a device error; the run goes on.
class DiskIoError : public std::runtime_error {
 public:
  explicit DiskIoError(const std::string& message) : std::runtime_error(message) {}
};

class DiskImage {
 public:
  static constexpr u32 kSectorSize = 512;
  // 28-bit LBA: the highest address a command can name is 0FFFFFFEh, because a device
  // reports its capacity in 28 bits (IDENTIFY words 60-61 hold at most 0FFFFFFFh).
  static constexpr u64 kMaxSectors = 0x0FFFFFFF;
  // The overlay is guest-controlled memory on the host: a guest that rewrites a huge
  // image must not exhaust host RAM, so past this size writes fail as a device error.
  static constexpr u64 kDefaultOverlayLimitBytes = u64{1} << 30;

  // Open and validate `path`; throws UserError naming the file when it cannot be used.
  // Counters are "<name>.file_sectors_read", ".file_sectors_written", ".overlay_sectors"
  // (sectors currently held by the overlay) and ".flushes".
  DiskImage(std::string path, WritePolicy policy, Counters& counters, std::string name = "disk0",
            u64 overlay_limit_bytes = kDefaultOverlayLimitBytes);
  // WriteThrough: flushes (errors are ignored: a destructor cannot report them).
  ~DiskImage();
  DiskImage(const DiskImage&) = delete;
  DiskImage& operator=(const DiskImage&) = delete;

  u64 sector_count() const { return m_sectors; }
  const std::string& path() const { return m_path; }
  WritePolicy policy() const { return m_policy; }
  // Sectors the copy-on-write overlay holds (0 under WriteThrough).
  u64 overlay_sectors() const { return m_overlay.size(); }

  // Copy sectors [lba, lba+count) into out (count * 512 bytes). Throws std::out_of_range
  // when the range does not lie inside the image, DiskIoError when the host read fails.
  void read(u64 lba, u32 count, u8* out);
  // Store count * 512 bytes from in as sectors [lba, lba+count), per the write policy.
  // Range errors as read(); DiskIoError when the host write fails or the overlay is full
  // (then nothing of this call was stored).
  void write(u64 lba, u32 count, const u8* in);
  // WriteThrough: make every completed write durable (fdatasync); CopyOnWrite: nothing
  // to do. Throws DiskIoError when the host cannot sync.
  void flush();

 private:
  using Sector = std::array<u8, kSectorSize>;

  void open_file();
  void lock_file();
  void validate_size(u64 bytes) const;
  void check_range(u64 lba, u32 count) const;
  void read_file(u64 lba, u32 count, u8* out);
  void write_file(u64 lba, u32 count, const u8* in);
  void write_overlay(u64 lba, u32 count, const u8* in);

  std::string m_path;
  WritePolicy m_policy;
  int m_fd = -1;
  u64 m_sectors = 0;
  u64 m_overlay_limit_sectors;
  std::unordered_map<u64, Sector> m_overlay;
  u64& m_file_sectors_read;
  u64& m_file_sectors_written;
  u64& m_overlay_sector_count;
  u64& m_flushes;
};

}  // namespace vmlab
