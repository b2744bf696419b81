package io.granary.fuse;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.ByteBuffer;

/**
 * Views libfuse's native read and write buffers as direct {@link ByteBuffer}s, so a
 * {@link java.nio.channels.FileChannel} copies straight between a block file and the kernel's
 * buffer. Needs {@code --add-opens java.base/java.nio=ALL-UNNAMED} (the launcher passes it); without
 * it {@link #available()} is false and callers copy through a heap array.
 */
final class NativeBuffers {
  private static final MethodHandle CONSTRUCTOR = find();

  private NativeBuffers() {}

  private static MethodHandle find() {
    try {
      Class<?> c = Class.forName("java.nio.DirectByteBuffer");
      MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(c, MethodHandles.lookup());
      for (Class<?> cap : new Class<?>[] {long.class, int.class}) {
        try {
          MethodHandle h = lookup.findConstructor(c, MethodType.methodType(void.class, long.class, cap));
          return h.asType(MethodType.methodType(ByteBuffer.class, long.class, cap));
        } catch (NoSuchMethodException e) {
          // try the other signature (JDK 21: (long, long); older: (long, int))
        }
      }
      return null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  static boolean available() {
    return CONSTRUCTOR != null;
  }

  /** A buffer over {@code length} bytes of native memory at {@code address}. */
  static ByteBuffer wrap(long address, int length) {
    try {
      if (CONSTRUCTOR.type().parameterType(1) == long.class) {
        return (ByteBuffer) CONSTRUCTOR.invokeExact(address, (long) length);
      }
      return (ByteBuffer) CONSTRUCTOR.invokeExact(address, length);
    } catch (Throwable t) {
      throw new IllegalStateException("cannot wrap native memory", t);
    }
  }
}
