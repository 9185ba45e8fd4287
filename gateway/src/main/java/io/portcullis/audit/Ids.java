package io.portcullis.audit;

import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Identifiers that must be unique but need not be secret (audit event ids, decision ids): random
 * version-4 UUIDs from a per-thread generator, so that no request waits on the system's entropy
 * source. Session ids and credentials use a CSPRNG elsewhere.
 */
public final class Ids {
  private Ids() {
  }

  public static String randomUuid() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }
}
