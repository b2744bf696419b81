package io.granary.boot;

import io.granary.config.GranaryConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the gateway's access keys come from: the config file, then GRANARY_ACCESS_KEY and
 * GRANARY_SECRET_KEY, and when neither gives one, a key pair generated on first start and kept
 * in {@code <dataDir>/credentials} readable by the owner only. Secrets are never logged.
 */
public final class KeyStore {
  private static final Logger LOG = LoggerFactory.getLogger(KeyStore.class);
  public static final String FILE = "credentials";
  private static final String ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  private static final String SECRET_ALPHA = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

  private KeyStore() {}

  /** The credentials in force, generating and storing a pair if none is configured. */
  public static List<GranaryConfig.Credential> resolve(GranaryConfig cfg, Path dataDir, java.util.Map<String, String> env)
      throws IOException {
    List<GranaryConfig.Credential> out = new ArrayList<>(cfg.credentials);
    String ak = env.get("GRANARY_ACCESS_KEY");
    String sk = env.get("GRANARY_SECRET_KEY");
    if (ak != null && !ak.isBlank()) {
      if (sk == null || sk.isBlank()) {
        throw new IllegalArgumentException("GRANARY_ACCESS_KEY is set but GRANARY_SECRET_KEY is not");
      }
      out.add(credential(ak, sk));
    }
    if (!out.isEmpty()) {
      return out;
    }
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      out.add(read(file));
      LOG.info("using the access key stored in {}", file);
      return out;
    }
    GranaryConfig.Credential generated = credential(random(ALPHA, 20), random(SECRET_ALPHA, 40));
    Properties p = new Properties();
    p.setProperty("accessKey", generated.accessKey);
    p.setProperty("secretKey", generated.secretKey);
    Files.createDirectories(dataDir);
    Path tmp = dataDir.resolve(FILE + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (var w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8, StandardOpenOption.WRITE)) {
      p.store(w, "Granary access key, generated on first start. Keep it secret.");
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    System.out.println("generated an access key pair in " + file.toAbsolutePath() + " (owner-only permissions)");
    out.add(generated);
    return out;
  }

  /** Reads a key file written by {@link #resolve}. */
  public static GranaryConfig.Credential read(Path file) throws IOException {
    Properties p = new Properties();
    try (var r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    }
    String ak = p.getProperty("accessKey");
    String sk = p.getProperty("secretKey");
    if (ak == null || sk == null) {
      throw new IOException("key file " + file + " lacks accessKey or secretKey");
    }
    return credential(ak, sk);
  }

  private static GranaryConfig.Credential credential(String ak, String sk) {
    GranaryConfig.Credential c = new GranaryConfig.Credential();
    c.accessKey = ak;
    c.secretKey = sk;
    return c;
  }

  private static String random(String alphabet, int n) {
    SecureRandom rnd = new SecureRandom();
    StringBuilder b = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      b.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
