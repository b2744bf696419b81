package io.granary.sdk;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a call proves who makes it: the access key, the time, and an HMAC-SHA256 over the method
 * name and the time made with the secret, sent as call metadata. The secret itself never travels;
 * a signature is accepted within {@link #MAX_SKEW_MS} of the gateway's clock.
 */
public final class CallAuth {
  /** Accepted difference between the caller's and the gateway's clocks. */
  public static final long MAX_SKEW_MS = 15 * 60 * 1000;

  private CallAuth() {}

  /** The signature of a call to {@code method} at {@code dateMs}. */
  public static String sign(String secret, String method, long dateMs) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal((method + "\n" + dateMs).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Whether {@code signature} is right for this call, compared in constant time. */
  public static boolean verify(String secret, String method, long dateMs, String signature, long nowMs) {
    if (signature == null || Math.abs(nowMs - dateMs) > MAX_SKEW_MS) {
      return false;
    }
    return MessageDigest.isEqual(sign(secret, method, dateMs).getBytes(StandardCharsets.UTF_8),
        signature.getBytes(StandardCharsets.UTF_8));
  }
}
