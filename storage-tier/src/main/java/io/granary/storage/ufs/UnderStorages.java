package io.granary.storage.ufs;

import io.granary.error.InvalidArgumentException;
import io.granary.storage.ufs.local.LocalUnderStorage;
import io.granary.storage.ufs.oss.OssUnderStorage;
import io.granary.storage.ufs.s3.S3UnderStorage;
import io.granary.storage.ufs.support.UfsOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** Opens the under-storage for a mount URI. */
public final class UnderStorages {
  private static final int DEFAULT_RETRIES = 3;
  private static final long DEFAULT_RETRY_BASE_MS = 100;

  private UnderStorages() {}

  /**
   * Opens the connector for {@code uri} ({@code file:///abs/dir}, {@code s3://bucket/prefix},
   * {@code oss://bucket/prefix}) with the options described in {@link UfsOptions}, wrapped so that
   * outages are retried ({@code retries}, {@code retry-base-ms}) and traffic is counted.
   *
   * <p>The retry layer owns the retries: the connector's SDK is told not to retry, so a call makes
   * at most {@code retries + 1} attempts rather than that number squared.
   *
   * @throws InvalidArgumentException for an unknown scheme, a malformed URI or a malformed option
   */
  public static MeteredUnderStorage create(String uri, Map<String, String> options) {
    URI parsed = parse(uri);
    UfsOptions typed = new UfsOptions(options);
    int retries = typed.nonNegativeInt(UfsOptions.RETRIES, DEFAULT_RETRIES);
    var baseDelay = typed.millis(UfsOptions.RETRY_BASE_MS, DEFAULT_RETRY_BASE_MS);

    Map<String, String> connectorOptions = new HashMap<>(options);
    connectorOptions.put(UfsOptions.RETRIES, "0");
    String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
    UnderStorage connector = switch (scheme) {
      case "file" -> new LocalUnderStorage(parsed, !"false".equalsIgnoreCase(options.get("fsync")));
      case "s3" -> new S3UnderStorage(parsed, connectorOptions);
      case "oss" -> new OssUnderStorage(parsed, connectorOptions);
      default -> throw new InvalidArgumentException("unsupported under-storage scheme in " + uri);
    };
    return new MeteredUnderStorage(new RetryingUnderStorage(connector, retries, baseDelay));
  }

  private static URI parse(String uri) {
    if (uri == null) {
      throw new InvalidArgumentException("under-storage URI is null");
    }
    try {
      return new URI(uri);
    } catch (URISyntaxException e) {
      throw new InvalidArgumentException("malformed under-storage URI " + uri + ": " + e.getMessage());
    }
  }
}
