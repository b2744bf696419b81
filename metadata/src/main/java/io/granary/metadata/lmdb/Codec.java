package io.granary.metadata.lmdb;

import io.granary.metadata.BlockRecord;
import io.granary.metadata.Inode;
import io.granary.metadata.InodeType;
import io.granary.metadata.MountEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Binary encoding of the records; every value starts with a version byte. */
final class Codec {
  private static final byte INODE_V1 = 1;
  private static final byte MOUNT_V1 = 1;
  private static final byte BLOCK_V1 = 1;
  private static final InodeType[] TYPES = InodeType.values();

  private Codec() {}

  static void encodeInode(Inode n, Out out) {
    out.put(INODE_V1);
    out.putLong(n.parentId());
    out.putString(n.name());
    out.put((byte) n.type().ordinal());
    out.putLong(n.length());
    out.putLong(n.mtimeMs());
    out.putInt(n.mode());
    out.putInt(n.uid());
    out.putInt(n.gid());
    out.putLong(n.blockSize());
    out.put((byte) ((n.persisted() ? 1 : 0) | (n.pinned() ? 2 : 0) | (n.mountPoint() ? 4 : 0)));
    out.putString(n.fingerprint());
    out.putLong(n.lastSyncMs());
    out.putLong(n.childrenSyncMs());
    out.putString(n.target());
    out.putMap(n.attributes());
  }

  static Inode decodeInode(long id, ByteBuffer in) {
    byte version = in.get();
    if (version != INODE_V1) {
      throw new IllegalStateException("unknown inode record version " + version + " for inode " + id);
    }
    long parentId = in.getLong();
    String name = getString(in);
    InodeType type = TYPES[in.get()];
    long length = in.getLong();
    long mtime = in.getLong();
    int mode = in.getInt();
    int uid = in.getInt();
    int gid = in.getInt();
    long blockSize = in.getLong();
    byte flags = in.get();
    String fingerprint = getString(in);
    long lastSync = in.getLong();
    long childrenSync = in.getLong();
    String target = getString(in);
    Map<String, String> attributes = getMap(in);
    return new Inode(id, parentId, name, type, length, mtime, mode, uid, gid, blockSize,
        (flags & 1) != 0, (flags & 2) != 0, (flags & 4) != 0, fingerprint, lastSync, childrenSync,
        target, attributes);
  }

  static void encodeMount(MountEntry m, Out out) {
    out.put(MOUNT_V1);
    out.putString(m.uri());
    out.putMap(m.options());
  }

  static MountEntry decodeMount(String path, ByteBuffer in) {
    byte version = in.get();
    if (version != MOUNT_V1) {
      throw new IllegalStateException("unknown mount record version " + version + " for " + path);
    }
    return new MountEntry(path, getString(in), getMap(in));
  }

  static void encodeBlock(BlockRecord b, Out out) {
    out.put(BLOCK_V1);
    out.put((byte) b.tier());
    out.putLong(b.length());
    out.putLong(b.lastAccessMs());
    out.put((byte) ((b.pinned() ? 1 : 0) | (b.unpersisted() ? 2 : 0)));
  }

  static BlockRecord decodeBlock(long blockId, ByteBuffer in) {
    byte version = in.get();
    if (version != BLOCK_V1) {
      throw new IllegalStateException("unknown block record version " + version);
    }
    int tier = in.get();
    long length = in.getLong();
    long lastAccess = in.getLong();
    byte flags = in.get();
    return new BlockRecord(blockId, tier, length, lastAccess, (flags & 1) != 0, (flags & 2) != 0);
  }

  static String getString(ByteBuffer in) {
    int len = in.getInt();
    byte[] bytes = new byte[len];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static Map<String, String> getMap(ByteBuffer in) {
    int n = in.getInt();
    if (n == 0) {
      return Map.of();
    }
    Map<String, String> map = new LinkedHashMap<>(n * 2);
    for (int i = 0; i < n; i++) {
      map.put(getString(in), getString(in));
    }
    return map;
  }

  /** A growable direct buffer that values are encoded into before a put. */
  static final class Out {
    private ByteBuffer buf;

    Out(int initial) {
      buf = ByteBuffer.allocateDirect(initial);
    }

    Out reset() {
      buf.clear();
      return this;
    }

    ByteBuffer flip() {
      return buf.flip();
    }

    private void ensure(int more) {
      if (buf.remaining() < more) {
        ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(buf.capacity() * 2, buf.position() + more));
        buf.flip();
        bigger.put(buf);
        buf = bigger;
      }
    }

    void put(byte b) {
      ensure(1);
      buf.put(b);
    }

    void putInt(int v) {
      ensure(4);
      buf.putInt(v);
    }

    void putLong(long v) {
      ensure(8);
      buf.putLong(v);
    }

    void putBytes(byte[] bytes) {
      ensure(bytes.length);
      buf.put(bytes);
    }

    void putString(String s) {
      byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
      putInt(bytes.length);
      putBytes(bytes);
    }

    void putMap(Map<String, String> map) {
      putInt(map.size());
      for (Map.Entry<String, String> e : map.entrySet()) {
        putString(e.getKey());
        putString(e.getValue());
      }
    }
  }
}
