package io.granary.fuse;

import jnr.ffi.Struct;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * Sets bits of libfuse 2's {@code fuse_operations} flags word, which jnr-fuse models as padding
 * bytes. A subclass of {@link Struct} only because that is where its member type is visible.
 */
final class OperationFlags extends Struct {
  private static final byte UTIME_OMIT_OK = 0b100; // flag_nullpath_ok:1, flag_nopath:1, flag_utime_omit_ok:1

  private OperationFlags() {
    super(jnr.ffi.Runtime.getSystemRuntime());
  }

  /** Lets an mtime-only change ({@code touch -m}) reach utimens instead of being dropped. */
  static void allowUtimeOmit(FuseOperations ops) {
    AbstractMember word = ops.flag_nullpath_ok;
    word.getMemory().putByte(word.offset(), UTIME_OMIT_OK);
  }
}
