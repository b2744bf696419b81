package io.granary.cli;

import io.granary.boot.KeyStore;
import io.granary.config.GranaryConfig;
import io.granary.sdk.GranaryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code granary fs}: the namespace, data and cache of a running gateway, through the Java SDK.
 * The gateway is {@code --gateway}, else {@code GRANARY_GATEWAY}, else 127.0.0.1:9090; the key
 * pair is {@code GRANARY_ACCESS_KEY}/{@code GRANARY_SECRET_KEY}, else the key file the gateway
 * keeps in its data directory.
 */
@Command(name = "fs", mixinStandardHelpOptions = true,
    description = "Browse and manage the gateway's namespace, data and cache.",
    subcommands = {
        FsNamespaceCommands.Ls.class, FsNamespaceCommands.Stat.class, FsTransferCommands.Cat.class,
        FsTransferCommands.Put.class, FsTransferCommands.Get.class, FsNamespaceCommands.Rm.class,
        FsNamespaceCommands.Mkdir.class, FsNamespaceCommands.Mv.class, FsMountCommands.MountCmd.class,
        FsMountCommands.Unmount.class, FsMountCommands.Mounts.class, FsCacheCommands.Load.class,
        FsCacheCommands.Free.class, FsCacheCommands.Pin.class, FsCacheCommands.Unpin.class,
        FsCacheCommands.Ttl.class, FsCacheCommands.Report.class, FsCacheCommands.Sync.class})
final class FsCommand implements Runnable {
  static final String DEFAULT_GATEWAY = "127.0.0.1:9090";

  @Option(names = "--gateway", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      description = "Gateway gRPC address (default: $GRANARY_GATEWAY, else " + DEFAULT_GATEWAY + ").")
  String gateway;

  @Option(names = "--data-dir", paramLabel = "DIR", scope = ScopeType.INHERIT,
      description = "The gateway's data directory, where its key file is read when GRANARY_ACCESS_KEY and "
          + "GRANARY_SECRET_KEY are not set (default ./data).")
  Path dataDir;

  @Spec
  CommandLine.Model.CommandSpec spec;

  /** The environment the command reads; tests replace it instead of touching the real one. */
  Map<String, String> env = System.getenv();

  /** Where {@code cat} writes file bytes (the command line's writer is for text only). */
  OutputStream stdout = System.out;

  /** Whether progress is drawn as a redrawn bar; null: detect whether a terminal is attached. */
  Boolean terminal;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The gateway address in force. */
  String gatewayAddress() {
    return gatewayAddress(gateway, env);
  }

  /** {@code --gateway} if given, else {@code GRANARY_GATEWAY}, else {@link #DEFAULT_GATEWAY}. */
  static String gatewayAddress(String option, Map<String, String> env) {
    if (option != null && !option.isBlank()) {
      return option.trim();
    }
    String fromEnv = env.get("GRANARY_GATEWAY");
    return fromEnv != null && !fromEnv.isBlank() ? fromEnv.trim() : DEFAULT_GATEWAY;
  }

  /** A client for the gateway in force, with the key pair in force. */
  GranaryClient connect() throws IOException {
    return connect(gatewayAddress(), dataDir, env, GranaryClient.Options.defaults());
  }

  /**
   * A client for the gateway at {@code address} (HOST:PORT), with the key pair of the environment
   * or else of the key file in {@code dataDir} (null: ./data). Shared by the commands that talk to
   * a running gateway.
   */
  static GranaryClient connect(String address, Path dataDir, Map<String, String> env, GranaryClient.Options options)
      throws IOException {
    int colon = address.lastIndexOf(':');
    if (colon <= 0 || colon == address.length() - 1) {
      throw new CliException("bad gateway address '" + address + "' (expected HOST:PORT)");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(address.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new CliException("bad gateway port in '" + address + "'");
    }
    if (port <= 0 || port > 65535) {
      throw new CliException("bad gateway port in '" + address + "'");
    }
    GranaryConfig.Credential key = credential(dataDir, env);
    return new GranaryClient(host, port, key.accessKey, key.secretKey, options);
  }

  private static GranaryConfig.Credential credential(Path dataDir, Map<String, String> env) throws IOException {
    String ak = env.get("GRANARY_ACCESS_KEY");
    String sk = env.get("GRANARY_SECRET_KEY");
    boolean hasAk = ak != null && !ak.isBlank();
    boolean hasSk = sk != null && !sk.isBlank();
    if (hasAk != hasSk) {
      throw new CliException(hasAk ? "GRANARY_ACCESS_KEY is set but GRANARY_SECRET_KEY is not"
          : "GRANARY_SECRET_KEY is set but GRANARY_ACCESS_KEY is not");
    }
    if (hasAk) {
      GranaryConfig.Credential c = new GranaryConfig.Credential();
      c.accessKey = ak;
      c.secretKey = sk;
      return c;
    }
    Path file = (dataDir != null ? dataDir : Path.of("data")).resolve(KeyStore.FILE);
    if (!Files.exists(file)) {
      throw new CliException("no credentials: set GRANARY_ACCESS_KEY and GRANARY_SECRET_KEY, or point --data-dir at "
          + "the gateway's data directory (" + file + " does not exist)");
    }
    return KeyStore.read(file);
  }

  /** Whether progress goes to a terminal. */
  boolean terminal() {
    if (terminal != null) {
      return terminal;
    }
    java.io.Console c = System.console();
    if (c == null) {
      return false;
    }
    try {
      // Since JDK 22 System.console() is non-null even when redirected; isTerminal() tells.
      return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return true;
    }
  }

  /** A failure of the command line itself (bad argument, missing key), reported as one line. */
  static final class CliException extends RuntimeException {
    CliException(String message) {
      super(message, null, false, false);
    }
  }
}
