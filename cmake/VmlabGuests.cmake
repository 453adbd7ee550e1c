# Building guests with the host toolchain (gcc -m32, ld -m elf_i386): guests/ and the
# test guests under tests/ use the same rules. No prebuilt guest binaries exist.
set(VMLAB_GUEST_COMMON ${CMAKE_CURRENT_LIST_DIR}/../guests/common)
set(VMLAB_GUEST_CFLAGS -m32 -O2 -ffreestanding -fno-pic -fno-pie -fno-builtin -fno-stack-protector
    -mgeneral-regs-only -fcf-protection=none -fno-asynchronous-unwind-tables -nostdlib
    -Wall -Wextra -Werror -I${VMLAB_GUEST_COMMON})

# libgcc for the 32-bit target: 64-bit division and the like in freestanding guests.
execute_process(COMMAND ${CMAKE_C_COMPILER} -m32 -print-libgcc-file-name
  OUTPUT_VARIABLE VMLAB_GUEST_LIBGCC OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE libgcc_status)
if(NOT libgcc_status EQUAL 0 OR NOT EXISTS "${VMLAB_GUEST_LIBGCC}")
  message(FATAL_ERROR "no 32-bit libgcc for the guests: install gcc-multilib (apt-get install gcc-multilib)")
endif()

# vmlab_add_guest(NAME OUTPUT_DIR DIR SOURCES SRC... [LINKER_SCRIPT FILE] [INCLUDES DIR...]
#                 [DEFINES NAME=VALUE...] [DEPENDS FILE...]): compile the C (.c) or GNU
# assembler (.S) sources, link them (with libgcc) by guests/common/multiboot.ld or the given
# script into DIR/NAME.elf, and add the target guest_NAME that builds it. Objects are named
# after NAME, so several guests can share a source with different DEFINES. DEPENDS lists
# headers whose change rebuilds every object.
function(vmlab_add_guest name)
  cmake_parse_arguments(G "" "OUTPUT_DIR;LINKER_SCRIPT" "SOURCES;INCLUDES;DEFINES;DEPENDS" ${ARGN})
  if(NOT G_LINKER_SCRIPT)
    set(G_LINKER_SCRIPT ${VMLAB_GUEST_COMMON}/multiboot.ld)
  endif()
  set(flags ${VMLAB_GUEST_CFLAGS})
  foreach(dir ${G_INCLUDES})
    list(APPEND flags -I${dir})
  endforeach()
  foreach(def ${G_DEFINES})
    list(APPEND flags -D${def})
  endforeach()
  set(objects)
  foreach(src ${G_SOURCES})
    get_filename_component(base ${src} NAME)
    set(obj ${G_OUTPUT_DIR}/${name}.${base}.o)
    add_custom_command(OUTPUT ${obj}
      COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR}
      COMMAND ${CMAKE_C_COMPILER} ${flags} -c ${src} -o ${obj}
      DEPENDS ${src} ${VMLAB_GUEST_COMMON}/guest.h ${VMLAB_GUEST_COMMON}/libc.h ${G_DEPENDS}
      COMMENT "Guest ${name}: compiling ${base}" VERBATIM)
    list(APPEND objects ${obj})
  endforeach()
  set(elf ${G_OUTPUT_DIR}/${name}.elf)
  add_custom_command(OUTPUT ${elf}
    COMMAND ld -m elf_i386 -nostdlib --no-warn-rwx-segments -T ${G_LINKER_SCRIPT}
            -o ${elf} ${objects} ${VMLAB_GUEST_LIBGCC}
    DEPENDS ${objects} ${G_LINKER_SCRIPT}
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
