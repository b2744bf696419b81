package io.granary.cli;

import io.granary.sdk.GranaryClient;
import io.granary.sdk.proto.CacheReport;
import io.granary.sdk.proto.LoadProgress;
import io.granary.sdk.proto.TierReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fs load|free|pin|unpin|ttl|report}. */
final class FsCacheCommands {
  private FsCacheCommands() {}

  @Command(name = "load", mixinStandardHelpOptions = true,
      description = {"Load a file or a directory (with -R its whole tree) into the cache.",
          "Files that fail are reported and make the exit code non-zero; the rest still load."})
  static final class Load extends FsSubcommand {
    @Option(names = {"-R", "--recursive"}, description = "Load subdirectories too.")
    boolean recursive;

    @Option(names = "--parallelism", paramLabel = "N", defaultValue = "4",
        description = "Files loaded at once (default ${DEFAULT-VALUE}).")
    int parallelism;

    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      if (parallelism < 1) {
        throw new FsCommand.CliException("--parallelism must be at least 1");
      }
      String p = remote(path);
      Progress progress = progress("load");
      LoadProgress last = client.load(p, recursive, parallelism, lp -> {
        if (!lp.getDone() && !lp.getError().isEmpty()) {
          progress.message("granary: failed to load " + lp.getCurrent() + ": " + lp.getError());
        }
        progress.set(lp.getFilesDone(), lp.getFilesTotal(), lp.getBytesDone(), lp.getBytesTotal());
      });
      long failed = last.getFilesFailed();
      progress.finish(String.format(Locale.ROOT, "loaded %d files (%s) in %s, %d skipped, %d failed",
          last.getFilesDone() - failed, Fmt.bytes(last.getBytesDone()), Fmt.seconds(progress.elapsedNanos()),
          last.getFilesSkipped(), failed));
      if (!last.getDone()) {
        throw new FsCommand.CliException("the load of " + p + " ended before it finished");
      }
      if (!last.getError().isEmpty()) {
        throw new FsCommand.CliException("the load of " + p + " stopped: " + last.getError());
      }
      if (failed > 0) {
        throw new FsCommand.CliException(failed + " of " + last.getFilesTotal() + " files failed to load");
      }
      return 0;
    }
  }

  @Command(name = "free", mixinStandardHelpOptions = true,
      description = "Drop the cached blocks of a file or tree (persisted data stays in the under-storage).")
  static final class Free extends FsSubcommand {
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      String p = remote(path);
      long freed = client.free(p);
      out.println("freed " + Fmt.bytes(freed) + " (" + freed + " bytes) from " + p);
      return 0;
    }
  }

  @Command(name = "pin", mixinStandardHelpOptions = true, description = "Keep a file or tree in the cache.")
  static final class Pin extends FsSubcommand {
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      client.pin(remote(path), true);
      return 0;
    }
  }

  @Command(name = "sync", mixinStandardHelpOptions = true,
      description = "Re-check a path against its under-storage now, whatever the mount's sync interval.")
  static final class Sync extends FsSubcommand {
    @Option(names = {"-R", "-r"}, description = "Everything known below the path too.")
    boolean recursive;

    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      String p = remote(path);
      client.sync(p, recursive);
      out.println("synced " + p);
      return 0;
    }
  }

  @Command(name = "unpin", mixinStandardHelpOptions = true, description = "Let a file or tree be evicted again.")
  static final class Unpin extends FsSubcommand {
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      client.pin(remote(path), false);
      return 0;
    }
  }

  @Command(name = "ttl", mixinStandardHelpOptions = true,
      description = "Free or delete PATH after DURATION (30s, 10m, 2h, 1d; 0 clears the TTL).")
  static final class Ttl extends FsSubcommand {
    @Parameters(index = "0", paramLabel = "PATH")
    String path;

    @Parameters(index = "1", paramLabel = "DURATION")
    String duration;

    @Option(names = "--action", paramLabel = "FREE|DELETE", defaultValue = "FREE",
        description = "What happens on expiry (default ${DEFAULT-VALUE}).")
    String action;

    @Override
    int run(GranaryClient client) {
      long ms = Fmt.parseDuration(duration);
      String a = action.trim().toUpperCase(Locale.ROOT);
      if (!a.equals("FREE") && !a.equals("DELETE")) {
        throw new FsCommand.CliException("bad --action '" + action + "' (FREE or DELETE)");
      }
      client.setTtl(remote(path), ms, a);
      return 0;
    }
  }

  @Command(name = "report", mixinStandardHelpOptions = true,
      description = "Cache tiers (used/capacity, blocks), hits, misses, hit ratio, bytes read.")
  static final class Report extends FsSubcommand {
    @Override
    int run(GranaryClient client) {
      CacheReport r = client.report();
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"TIER", "USED", "CAPACITY", "USE%", "BLOCKS"});
      for (TierReport t : r.getTiersList()) {
        rows.add(new String[] {t.getName(), Fmt.bytes(t.getUsed()), Fmt.bytes(t.getCapacity()),
            Fmt.percent(t.getUsed(), t.getCapacity()), Long.toString(t.getBlocks())});
      }
      FsMountCommands.Table.print(out, rows);
      out.println();
      out.println("hits: " + r.getHits());
      out.println("misses: " + r.getMisses());
      out.println("hit ratio: " + String.format(Locale.ROOT, "%.1f%%", r.getHitRatio() * 100));
      out.println("under-storage bytes read: " + r.getUfsBytesRead() + " (" + Fmt.bytes(r.getUfsBytesRead()) + ")");
      out.println("persist queue: " + r.getPersistQueueLength() + " files, oldest pending "
          + r.getPersistOldestPendingMs() / 1000.0 + " s");
      out.println("cache bytes read: " + r.getCacheBytesRead() + " (" + Fmt.bytes(r.getCacheBytesRead()) + ")");
      return 0;
    }
  }
}
