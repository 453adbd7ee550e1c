# Building guests with the host toolchain (gcc -m32, ld -m elf_i386): guests/ and the
# test guests under tests/ use the same rules. No prebuilt guest binaries exist.
set(VMLAB_GUEST_COMMON ${CMAKE_CURRENT_LIST_DIR}/../guests/common)
set(VMLAB_GUEST_CFLAGS -m32 -O2 -ffreestanding -fno-pic -fno-pie -fno-builtin -fno-stack-protector
    -mgeneral-regs-only -fcf-protection=none -fno-asynchronous-unwind-tables -nostdlib
    -Wall -Wextra -Werror -I${VMLAB_GUEST_COMMON})

# vmlab_add_guest(NAME OUTPUT_DIR DIR SOURCES SRC...): compile the C (.c) or GNU assembler
# (.S) sources, link them with guests/common/multiboot.ld into DIR/NAME.elf, and add the
# target guest_NAME that builds it.
function(vmlab_add_guest name)
  cmake_parse_arguments(G "" "OUTPUT_DIR" "SOURCES" ${ARGN})
  set(objects)
  foreach(src ${G_SOURCES})
    get_filename_component(base ${src} NAME)
    set(obj ${G_OUTPUT_DIR}/${base}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR}
      COMMAND ${CMAKE_C_COMPILER} ${VMLAB_GUEST_CFLAGS} -c ${src} -o ${obj}
      DEPENDS ${src} ${VMLAB_GUEST_COMMON}/guest.h
      COMMENT "Guest ${name}: compiling ${base}" VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  set(elf ${G_OUTPUT_DIR}/${name}.elf)
  add_custom_command(OUTPUT ${elf}
    COMMAND ld -m elf_i386 -nostdlib --no-warn-rwx-segments -T ${VMLAB_GUEST_COMMON}/multiboot.ld
            -o ${elf} ${objects}
    DEPENDS ${objects} ${VMLAB_GUEST_COMMON}/multiboot.ld
    COMMENT "Guest ${name}: linking ${name}.elf" VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${elf})
endfunction()

# vmlab_add_disk_image(NAME OUTPUT_DIR DIR SECTORS N SOURCES SRC...): assemble 16-bit GNU
# assembler sources (.S, with .code16) linked at 0x7C00 into a raw disk image DIR/NAME.img
# of N sectors (the boot sector first), and add the target disk_NAME.
function(vmlab_add_disk_image name)
  cmake_parse_arguments(D "" "OUTPUT_DIR;SECTORS" "SOURCES" ${ARGN})
  set(objects)
  foreach(src ${D_SOURCES})
    get_filename_component(base ${src} NAME)
    set(obj ${D_OUTPUT_DIR}/${name}.${base}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${D_OUTPUT_DIR}
      COMMAND ${CMAKE_C_COMPILER} -m32 -c ${src} -o ${obj}
      DEPENDS ${src}
      COMMENT "Disk image ${name}: assembling ${base}" VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  set(elf ${D_OUTPUT_DIR}/${name}.elf)
  set(img ${D_OUTPUT_DIR}/${name}.img)
  math(EXPR bytes "${D_SECTORS} * 512")
  add_custom_command(OUTPUT ${img}
    COMMAND ld -m elf_i386 -nostdlib --no-warn-rwx-segments -Ttext=0x7C00 -e start -o ${elf} ${objects}
    COMMAND objcopy -O binary -j .text ${elf} ${img}
    COMMAND truncate -s ${bytes} ${img}
    DEPENDS ${objects}
    COMMENT "Disk image ${name}: linking ${name}.img" VERBATIM)
  add_custom_target(disk_${name} ALL DEPENDS ${img})
endfunction()
