// Scan code sets 1 and 2, and the i8042's set-2-to-set-1 translation.
//
// A PS/2 keyboard sends set 2: a key's make code, and F0 followed by the make code
// when it is released. With translation on (command byte bit 6, the PC default) the
// i8042 rewrites every byte into set 1, the XT codes PC software expects: each byte
// goes through a fixed table, and an F0 is swallowed and sets bit 7 of the byte after
// it (set 1 marks a release with bit 7). Prefix bytes E0 and E1, and the keyboard's
// answers (FA, AA, EE, FE), are 0x80 or above and pass unchanged.
//
//   set 2 from keyboard:  1C        F0 1C        E0 75       E0 F0 75
//   set 1 to the CPU:     1E (A)    9E           E0 48 (Up)  E0 C8
//
// The table here covers the main keys of a 102-key keyboard, the Windows keys, and the
// codes that identify the keyboard or its scan code set (so the CPU sees AB 41 for the
// keyboard ID AB 83, and 43 / 41 / 3F for sets 1 / 2 / 3, as on real PCs). Set-2 codes
// below 0x80 that no key here produces pass through unchanged.
#pragma once
#include "core/types.h"

namespace vmlab {

// One byte through the i8042's translation table (F0 handling is the caller's).
u8 translate_set2_to_set1(u8 set2);
// The set-2 make code for a set-1 make code (bit 7 clear), or 0 for no such key.
u8 set1_to_set2(u8 set1_make);

}  // namespace vmlab
