package io.granary.cli;

import io.granary.sdk.GranaryClient;
import io.granary.sdk.proto.MountPoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code fs mount|unmount|mounts}. */
final class FsMountCommands {
  private FsMountCommands() {}

  @Command(name = "mount", mixinStandardHelpOptions = true,
      description = {"Mount an under-storage URI (file://, s3://, ...) at PATH.",
          "Connector settings go in --option KEY=VALUE; secrets given so are visible to other local users "
              + "in the process list."})
  static final class MountCmd extends FsSubcommand {
    @Parameters(index = "0", paramLabel = "PATH")
    String path;

    @Parameters(index = "1", paramLabel = "URI")
    String uri;

    @Option(names = "--read-type", paramLabel = "T", description = "Default read type: NO_CACHE, CACHE, CACHE_PROMOTE.")
    String readType;

    @Option(names = "--write-type", paramLabel = "T", description = "Default write type: MUST_CACHE, CACHE_THROUGH, THROUGH.")
    String writeType;

    @Option(names = "--sync-interval", paramLabel = "MS",
        description = "Re-check under-storage metadata after MS ms (0: always, -1: never).")
    Long syncInterval;

    @Option(names = "--option", paramLabel = "KEY=VALUE", description = "A connector option (repeatable).")
    Map<String, String> options = new LinkedHashMap<>();

    @Override
    int run(GranaryClient client) {
      Map<String, String> o = new LinkedHashMap<>(options);
      if (readType != null) {
        o.put("read-type", readType);
      }
      if (writeType != null) {
        o.put("write-type", writeType);
      }
      if (syncInterval != null) {
        o.put("sync-interval", Long.toString(syncInterval));
      }
      client.mount(remote(path), uri, o);
      return 0;
    }
  }

  @Command(name = "unmount", aliases = "umount", mixinStandardHelpOptions = true, description = "Remove a mount.")
  static final class Unmount extends FsSubcommand {
    @Parameters(paramLabel = "PATH")
    String path;

    @Override
    int run(GranaryClient client) {
      client.unmount(remote(path));
      return 0;
    }
  }

  @Command(name = "mounts", mixinStandardHelpOptions = true,
      description = "The mount table: path, URI, options (secrets redacted by the gateway).")
  static final class Mounts extends FsSubcommand {
    @Override
    int run(GranaryClient client) {
      List<String[]> rows = new ArrayList<>();
      rows.add(new String[] {"PATH", "URI", "OPTIONS"});
      for (MountPoint m : client.mounts()) {
        String opts = new TreeMap<>(m.getOptionsMap()).entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
        rows.add(new String[] {m.getPath(), m.getUri(), opts.isEmpty() ? "-" : opts});
      }
      Table.print(out, rows);
      return 0;
    }
  }

  /** Left-aligned columns two spaces apart. */
  static final class Table {
    private Table() {}

    static void print(java.io.PrintWriter out, List<String[]> rows) {
      int cols = rows.get(0).length;
      int[] width = new int[cols];
      for (String[] r : rows) {
        for (int i = 0; i < cols; i++) {
          width[i] = Math.max(width[i], r[i].length());
        }
      }
      for (String[] r : rows) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < cols; i++) {
          b.append(r[i]);
          if (i < cols - 1) {
            b.append(" ".repeat(width[i] - r[i].length() + 2));
          }
        }
        out.println(b);
      }
    }
  }
}
