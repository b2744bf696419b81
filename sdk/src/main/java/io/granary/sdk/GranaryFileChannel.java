package io.granary.sdk;

import io.granary.sdk.proto.BlockInfo;
import io.granary.sdk.proto.OpenFileResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

/**
 * A file of the gateway as a read-only channel. Each block is read from its local block file when
 * the gateway shares this host and has it cached (short circuit), else over the ranged HTTP data
 * path; a local file that was evicted meanwhile sends the read to the network instead.
 */
final class GranaryFileChannel implements SeekableByteChannel {
  private final GranaryClient client;
  private final OpenFileResponse file;
  private final List<BlockInfo> blocks;
  private final long size;
  private final String readType;
  private long position;
  private boolean open = true;
  /** The block file or remote stream of the block being read sequentially. */
  private int currentIndex = -1;
  private FileChannel local;
  private InputStream remote;
  private long remotePos;
  private byte[] scratch;

  /** @param readType how the gateway reads blocks it has not cached; null: the mount's default */
  GranaryFileChannel(GranaryClient client, OpenFileResponse file, String readType) {
    this.client = client;
    this.file = file;
    this.blocks = file.getBlocksList();
    this.size = file.getStatus().getLength();
    this.readType = readType;
  }

  private int blockAt(long pos) {
    return BlockIndex.of(blocks, pos);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (position >= size) {
      return -1;
    }
    int n = read(dst, position);
    position += n;
    return n;
  }

  private int read(ByteBuffer dst, long pos) throws IOException {
    int index = blockAt(pos);
    BlockInfo b = blocks.get(index);
    long blockEnd = b.getOffset() + b.getLength();
    int want = (int) Math.min(dst.remaining(), blockEnd - pos);
    if (index != currentIndex) {
      closeBlock();
      currentIndex = index;
      if (client.shortCircuit() && !b.getLocalPath().isEmpty()) {
        try {
          local = FileChannel.open(Path.of(b.getLocalPath()), StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
          client.forgetOpen(file.getStatus().getPath()); // evicted: the next open asks again
        }
      }
    }
    if (local != null) {
      ByteBuffer slice = dst.duplicate().limit(dst.position() + want);
      int n = local.read(slice, pos - b.getOffset());
      if (n > 0) {
        dst.position(dst.position() + n);
        return n;
      }
      closeBlock(); // shorter than announced: fall back to the network
      currentIndex = index;
    }
    if (remote == null || remotePos != pos) {
      if (remote != null) {
        remote.close();
      }
      remote = client.readRemote(file, pos, blockEnd - pos, readType);
      remotePos = pos;
    }
    int n;
    if (dst.hasArray()) { // straight into the caller's buffer
      n = remote.read(dst.array(), dst.arrayOffset() + dst.position(), want);
      if (n > 0) {
        dst.position(dst.position() + n);
      }
    } else {
      if (scratch == null || scratch.length < want) {
        scratch = new byte[Math.max(want, 64 * 1024)];
      }
      n = remote.read(scratch, 0, want);
      if (n > 0) {
        dst.put(scratch, 0, n);
      }
    }
    if (n < 0) {
      throw new IOException("the gateway's data stream for " + file.getStatus().getPath() + " ended early at " + pos);
    }
    remotePos += n;
    return n;
  }

  private void closeBlock() throws IOException {
    if (local != null) {
      local.close();
      local = null;
    }
    if (remote != null) {
      remote.close();
      remote = null;
    }
    currentIndex = -1;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public SeekableByteChannel position(long newPosition) {
    if (newPosition < 0) {
      throw new IllegalArgumentException("negative position");
    }
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public SeekableByteChannel truncate(long s) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    open = false;
    closeBlock();
  }
}
