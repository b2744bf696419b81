package io.granary.metadata.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.granary.metadata.DirEntry;
import io.granary.metadata.Inode;
import io.granary.testing.ChildJvm;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A child JVM writes as fast as it can and is killed with SIGKILL; the store must reopen whole. */
class CrashRecoveryTest {
  @TempDir Path dir;

  @Test
  void storeKilledMidWriteReopensConsistent() throws Exception {
    Process child = new ProcessBuilder(ChildJvm.command(CrashWriter.class, dir.toString())).redirectErrorStream(true).start();
    long acknowledged = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.startsWith("committed ")) {
          acknowledged = Long.parseLong(line.substring(10));
          if (acknowledged >= 3000) {
            break; // mid-stream: the child is still writing
          }
        }
      }
      child.destroyForcibly(); // SIGKILL
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
    }
    assertTrue(acknowledged >= 3000, "child acknowledged only " + acknowledged + " commits");

    try (LmdbMetadataStore store = LmdbMetadataStore.open(dir)) {
      long ack = acknowledged;
      store.read(v -> {
        long files = 0;
        for (DirEntry d : v.list(Inode.ROOT_ID, "", Integer.MAX_VALUE)) {
          Inode dirNode = v.inode(d.childId()).orElseThrow(() -> new AssertionError("dangling entry " + d));
          assertEquals(d.name(), dirNode.name());
          // Every directory is written together with its ten files in one transaction.
          List<DirEntry> children = v.list(dirNode.id(), "", Integer.MAX_VALUE);
          assertEquals(10, children.size(), "directory " + d.name() + " is half-written");
          for (DirEntry c : children) {
            Inode f = v.inode(c.childId()).orElseThrow(() -> new AssertionError("dangling entry " + c));
            assertEquals(dirNode.id(), f.parentId());
            assertEquals(c.name().length(), f.length());
            files++;
          }
        }
        assertTrue(files / 10 >= ack, "lost acknowledged commits: " + files / 10 + " < " + ack);
        return null;
      });
    }
  }

  /** The child: commits directories of ten files each and prints every acknowledged commit. */
  public static final class CrashWriter {
    public static void main(String[] args) {
      LmdbMetadataStore store = LmdbMetadataStore.open(Path.of(args[0]));
      for (long i = 0; ; i++) {
        long n = i;
        store.write(txn -> {
          long d = txn.newInodeId();
          txn.putInode(Inode.directory(d, Inode.ROOT_ID, "dir" + n, n, 0755));
          txn.link(Inode.ROOT_ID, "dir" + n, d);
          for (int f = 0; f < 10; f++) {
            String name = "file-" + f + "-" + "x".repeat(f);
            long id = txn.newInodeId();
            txn.putInode(Inode.file(id, d, name, name.length(), n, 1 << 20, true));
            txn.link(d, name, id);
          }
          return null;
        });
        System.out.println("committed " + (n + 1));
        System.out.flush();
      }
    }
  }
}
