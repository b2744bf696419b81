package io.granary.s3.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class Crc64NvmeTest {

  /** The CRC straight from its definition, one bit at a time. */
  static long bitwise(byte[] data, int off, int len) {
    long crc = -1L;
    for (int i = off; i < off + len; i++) {
      crc ^= data[i] & 0xff;
      for (int k = 0; k < 8; k++) {
        crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0x9a6c9329ac4bc9b5L : crc >>> 1;
      }
    }
    return ~crc;
  }

  @Test
  void standardCheckValue() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    Crc64Nvme crc = new Crc64Nvme();
    crc.update(check, 0, check.length);

    assertEquals(0xae8b14860a799888L, crc.value());
    assertEquals(0xae8b14860a799888L, bitwise(check, 0, check.length));
    assertArrayEquals(ByteBuffer.allocate(8).putLong(0xae8b14860a799888L).array(), crc.finish());
  }

  @Test
  void emptyInputIsZero() {
    assertEquals(0L, new Crc64Nvme().value());
  }

  @Test
  void slicedUpdatesMatchTheDefinitionAtAnySplit() {
    Random random = new Random(42);
    byte[] data = new byte[10_000];
    random.nextBytes(data);
    for (int round = 0; round < 200; round++) {
      int off = random.nextInt(50);
      int len = random.nextInt(data.length - off);
      Crc64Nvme crc = new Crc64Nvme();
      int pos = off;
      while (pos < off + len) {
        int step = Math.min(random.nextInt(40), off + len - pos);
        crc.update(data, pos, step);
        pos += step;
      }
      assertEquals(bitwise(data, off, len), crc.value(), "round " + round);
    }
  }
}
