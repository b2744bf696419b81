package io.granary.s3.auth;

import java.util.Optional;

/** Looks up the secret of an access key. */
@FunctionalInterface
public interface CredentialsProvider {
  Optional<String> secretFor(String accessKey);
}
