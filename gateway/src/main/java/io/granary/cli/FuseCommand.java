package io.granary.cli;

import io.granary.error.GranaryException;
import io.granary.fuse.FuseMount;
import io.granary.fuse.MountOptions;
import io.granary.gateway.fuse.RemoteFuseBackend;
import io.granary.sdk.GranaryClient;
import io.granary.sdk.GranaryClientException;
import io.vertx.grpc.common.GrpcStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code granary fuse}: mounts the namespace of a running gateway with FUSE, through the Java SDK
 * (reads of blocks the gateway has cached on this host go straight to its block files). The
 * gateway and key pair are found as {@code granary fs} finds them.
 */
@Command(name = "fuse", mixinStandardHelpOptions = true,
    description = "Mount a running gateway's namespace with FUSE (remote mode, through the SDK).",
    subcommands = {FuseCommand.MountCmd.class, FuseCommand.UnmountCmd.class})
final class FuseCommand implements Runnable {
  @Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code granary fuse mount MOUNTPOINT}: mounts in the foreground until SIGTERM or SIGINT. */
  @Command(name = "mount", mixinStandardHelpOptions = true,
      description = {"Mount the gateway's namespace at MOUNTPOINT and stay in the foreground; SIGTERM or SIGINT "
          + "(Ctrl-C) unmounts and exits, as does unmounting it from outside (granary fuse unmount).",
          "Prints 'fuse mounted at MOUNTPOINT' once the mount is up."})
  static final class MountCmd implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MOUNTPOINT", description = "An empty directory (created if missing).")
    Path mountPoint;

    @Option(names = "--gateway", paramLabel = "HOST:PORT",
        description = "Gateway gRPC address (default: $GRANARY_GATEWAY, else " + FsCommand.DEFAULT_GATEWAY + ").")
    String gateway;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "The gateway's data directory, where its key file is read when GRANARY_ACCESS_KEY and "
            + "GRANARY_SECRET_KEY are not set (default ./data).")
    Path dataDir;

    @Option(names = {"-o", "--options"}, paramLabel = "OPTIONS",
        description = "Mount options, comma-separated (repeatable): Granary's (attr_timeout=, entry_timeout=, "
            + "prefetch_small=, readahead_blocks=, threads=, read_type=, write_type=, ...) and libfuse's (ro, ...).")
    List<String> options = new ArrayList<>();

    @Spec
    CommandLine.Model.CommandSpec spec;

    /** The environment the command reads; tests replace it. */
    Map<String, String> env = System.getenv();

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      String address = FsCommand.gatewayAddress(gateway, env);
      try {
        MountOptions mo = MountOptions.parse(options);
        return mount(mo, address, out);
      } catch (Exception e) {
        err.println("granary: " + reason(e, address));
        return 1;
      } finally {
        out.flush();
        err.flush();
      }
    }

    private int mount(MountOptions mo, String address, PrintWriter out) throws Exception {
      // the SDK's metadata cache never holds an answer longer than the kernel's own attribute cache
      long ttlMs = (long) Math.min(30_000, mo.attrTimeout() * 1000);
      GranaryClient.Options co = new GranaryClient.Options(ttlMs, 100_000, true, 120_000);
      try (GranaryClient client = FsCommand.connect(address, dataDir, env, co)) {
        client.stat("/"); // the gateway answers and takes our key: fail here, not on every file operation
        RemoteFuseBackend backend = new RemoteFuseBackend(client, mo.backendOptions());
        Path staging = Files.createTempDirectory("granary-fuse-staging-");
        CountDownLatch stop = new CountDownLatch(1);
        FuseMount mount = null;
        Thread hook = null;
        try {
          boolean handled = onTermination(stop::countDown);
          mount = FuseMount.mount(backend, mountPoint, mo, staging);
          FuseMount m = mount;
          // the JVM's own shutdown (SIGHUP, or SIGTERM where signals cannot be caught) still unmounts
          hook = Thread.ofPlatform().name("granary-fuse-shutdown").unstarted(() -> {
            m.close();
            backend.close();
            deleteTree(staging);
          });
          Runtime.getRuntime().addShutdownHook(hook);
          out.println("fuse mounted at " + mount.mountPoint());
          out.flush();
          if (!handled) {
            spec.commandLine().getErr().println("granary: cannot catch SIGTERM/SIGINT here: the JVM's shutdown unmounts");
          }
          while (!stop.await(1, TimeUnit.SECONDS)) {
            if (!io.granary.fuse.FuseMount.isMounted(mount.mountPoint())) {
              break; // unmounted from outside (fusermount -u): nothing left to serve
            }
          }
        } finally {
          if (mount != null) {
            mount.close();
          }
          backend.close();
          deleteTree(staging);
          if (hook != null) {
            try {
              Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
              // already shutting down: the hook's work is done
            }
          }
        }
        out.println("fuse unmounted from " + mount.mountPoint());
        return 0;
      }
    }
  }

  /** {@code granary fuse unmount MOUNTPOINT}: {@code fusermount -u}; the mounting process then exits. */
  @Command(name = "unmount", aliases = "umount", mixinStandardHelpOptions = true,
      description = "Unmount a Granary FUSE mount (fusermount -u); its 'granary fuse mount' process then exits.")
  static final class UnmountCmd implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Option(names = {"-z", "--lazy"}, description = "Detach now even if busy (fusermount -uz).")
    boolean lazy;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
      List<String> cmd = new ArrayList<>(List.of("fusermount", "-u"));
      if (lazy) {
        cmd.add("-z");
      }
      cmd.add(mountPoint.toAbsolutePath().normalize().toString());
      Process p;
      try {
        p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      } catch (IOException e) {
        spec.commandLine().getErr().println("granary: cannot run fusermount (apt-get install fuse): " + e.getMessage());
        return 1;
      }
      String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      int code = p.waitFor();
      if (code != 0) {
        spec.commandLine().getErr().println("granary: " + (text.isEmpty() ? String.join(" ", cmd) + " failed" : text));
        return 1;
      }
      return 0;
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  /** One line saying what went wrong. */
  static String reason(Throwable e, String address) {
    if (e instanceof IOException io && io.getCause() instanceof GranaryClientException g) {
      e = g;
    }
    if (e instanceof GranaryClientException g) {
      Throwable root = g;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      if (g.status() == GrpcStatus.UNAVAILABLE && root instanceof ConnectException c) {
        return "UNAVAILABLE: cannot reach the gateway at " + address + " (" + c.getMessage() + ")";
      }
      return String.valueOf(g.getMessage()).lines().findFirst().orElse(g.status().name());
    }
    if (e instanceof GranaryException || e instanceof IllegalArgumentException || e instanceof IOException) {
      return String.valueOf(e.getMessage()).lines().findFirst().orElse(e.toString());
    }
    return e.getMessage() != null ? e.getMessage().lines().findFirst().orElse(e.toString()) : e.toString();
  }

  /**
   * Runs {@code action} on SIGTERM and SIGINT instead of the JVM's shutdown, so the command unmounts
   * and exits 0 itself. Through reflection: {@code sun.misc.Signal} is unsupported API (javac warns
   * on every build when it is named). False if it is not there.
   */
  static boolean onTermination(Runnable action) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object handler = Proxy.newProxyInstance(FuseCommand.class.getClassLoader(), new Class<?>[] {handlerType},
          (proxy, m, args) -> switch (m.getName()) {
            case "handle" -> {
              action.run();
              yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> proxy == args[0];
            case "toString" -> "granary-fuse-signal-handler";
            default -> null;
          });
      Method handle = signal.getMethod("handle", signal, handlerType);
      for (String name : List.of("TERM", "INT")) {
        handle.invoke(null, signal.getConstructor(String.class).newInstance(name), handler);
      }
      return true;
    } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // a temp directory: the system cleans it up eventually
    }
  }
}
