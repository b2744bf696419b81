package io.granary.s3.auth;

import java.security.MessageDigest;
import java.util.Locale;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;

/** The flexible checksums S3 clients attach as {@code x-amz-checksum-<id>} headers or trailers. */
enum ChecksumAlgorithm {
  CRC32("crc32", 4),
  CRC32C("crc32c", 4),
  SHA1("sha1", 20),
  SHA256("sha256", 32),
  CRC64NVME("crc64nvme", 8);

  static final String HEADER_PREFIX = "x-amz-checksum-";

  private final String headerName;
  private final int length;

  ChecksumAlgorithm(String id, int length) {
    this.headerName = HEADER_PREFIX + id;
    this.length = length;
  }

  /** {@code x-amz-checksum-crc32} and so on. */
  String headerName() {
    return headerName;
  }

  /** Bytes in the decoded value. */
  int length() {
    return length;
  }

  /** The algorithm a header or trailer name denotes, or null. */
  static ChecksumAlgorithm forHeader(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (ChecksumAlgorithm a : values()) {
      if (a.headerName.equals(lower)) {
        return a;
      }
    }
    return null;
  }

  Hasher newHasher() {
    return switch (this) {
      case CRC32 -> new ZipHasher(new CRC32());
      case CRC32C -> new ZipHasher(new CRC32C());
      case SHA1 -> new DigestHasher(SigV4.newDigest("SHA-1"));
      case SHA256 -> new DigestHasher(SigV4.newDigest("SHA-256"));
      case CRC64NVME -> new Crc64Nvme();
    };
  }

  /** A running checksum over bulk updates. */
  interface Hasher {
    void update(byte[] b, int off, int len);

    /** The value as S3 encodes it before base64: big-endian for the CRCs. */
    byte[] finish();
  }

  private record ZipHasher(Checksum checksum) implements Hasher {
    @Override
    public void update(byte[] b, int off, int len) {
      checksum.update(b, off, len);
    }

    @Override
    public byte[] finish() {
      int v = (int) checksum.getValue();
      return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }
  }

  private record DigestHasher(MessageDigest digest) implements Hasher {
    @Override
    public void update(byte[] b, int off, int len) {
      digest.update(b, off, len);
    }

    @Override
    public byte[] finish() {
      return digest.digest();
    }
  }
}
