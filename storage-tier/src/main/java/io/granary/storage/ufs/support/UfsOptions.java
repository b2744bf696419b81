package io.granary.storage.ufs.support;

import io.granary.error.InvalidArgumentException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Typed access to a connector's string options; a malformed value is an InvalidArgumentException.
 * Unknown keys are ignored: one map configures a connector and the decorators around it.
 */
public final class UfsOptions {
  /** Object stores: the service URL, e.g. {@code http://127.0.0.1:9000}. */
  public static final String ENDPOINT = "endpoint";
  /** S3: the signing region, default us-east-1. */
  public static final String REGION = "region";
  /** Object stores: the access key id; anonymous (S3) or a dummy (OSS) when absent. */
  public static final String ACCESS_KEY = "access-key";
  public static final String SECRET_KEY = "secret-key";
  /** S3: bucket in the path rather than the host name; default true when an endpoint is set. */
  public static final String PATH_STYLE = "path-style";
  /** Longest wait for a TCP connection, default 5000. */
  public static final String CONNECT_TIMEOUT_MS = "connect-timeout-ms";
  /** Longest wait for the store to answer (a socket read timeout), default 30000. */
  public static final String REQUEST_TIMEOUT_MS = "request-timeout-ms";
  /** Retries after the first attempt of a call that failed for want of the store, default 3. */
  public static final String RETRIES = "retries";
  /** First backoff of the retry layer, doubled per retry, default 100. */
  public static final String RETRY_BASE_MS = "retry-base-ms";

  private final Map<String, String> options;

  public UfsOptions(Map<String, String> options) {
    this.options = Map.copyOf(options);
  }

  public Optional<String> string(String key) {
    String value = options.get(key);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  public String string(String key, String fallback) {
    return string(key).orElse(fallback);
  }

  public int nonNegativeInt(String key, int fallback) {
    Optional<String> value = string(key);
    if (value.isEmpty()) {
      return fallback;
    }
    try {
      int n = Integer.parseInt(value.get());
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidArgumentException("option " + key + " must be a non-negative integer: " + value.get());
  }

  public Duration millis(String key, long fallbackMs) {
    Optional<String> value = string(key);
    if (value.isEmpty()) {
      return Duration.ofMillis(fallbackMs);
    }
    try {
      long ms = Long.parseLong(value.get());
      if (ms >= 0) {
        return Duration.ofMillis(ms);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidArgumentException("option " + key + " must be a non-negative number of milliseconds: " + value.get());
  }

  public boolean bool(String key, boolean fallback) {
    Optional<String> value = string(key);
    if (value.isEmpty()) {
      return fallback;
    }
    return switch (value.get().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new InvalidArgumentException("option " + key + " must be true or false: " + value.get());
    };
  }
}
