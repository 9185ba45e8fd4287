package io.portcullis.policy;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The directory where built policies are kept. A policy read from it is enforced, so it is used
 * only while it belongs to the gateway's own user and nobody else may write to it (it usually
 * lies in the shared temporary directory); otherwise policies are built afresh every time.
 * Entries unused for a week, and abandoned builds, are removed. Blocking.
 */
final class PolicyCache {
  private static final Logger LOG = LoggerFactory.getLogger(PolicyCache.class);
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");
  private static final Duration UNUSED = Duration.ofDays(7);
  private static final Duration ABANDONED = Duration.ofDays(1);

  private final Path dir;
  private volatile boolean warned;

  PolicyCache(Path dir) {
    this.dir = dir;
  }

  /** Creates the directory if needed; true when it is private to this user. */
  boolean usable() {
    try {
      create();
      String problem = problem();
      if (problem == null) {
        return true;
      }
      if (!warned) {
        warned = true;
        LOG.warn("not caching built policies in {}: it {}", dir, problem);
      }
      return false;
    } catch (IOException e) {
      LOG.warn("not caching built policies in {}: {}", dir, e.getMessage());
      return false;
    }
  }

  /** Removes entries unused for a week and builds abandoned for a day. */
  void prune() {
    Instant now = Instant.now();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        Instant used = Files.getLastModifiedTime(entry, LinkOption.NOFOLLOW_LINKS).toInstant();
        boolean build = entry.getFileName().toString().startsWith("build-");
        if (used.plus(build ? ABANDONED : UNUSED).isBefore(now)) {
          delete(entry);
        }
      }
    } catch (IOException e) {
      LOG.debug("cannot prune {}: {}", dir, e.getMessage());
    }
  }

  private void create() throws IOException {
    if (Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.createDirectories(dir.getParent());
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
    } catch (UnsupportedOperationException e) {
      Files.createDirectory(dir);
    } catch (FileAlreadyExistsException e) {
      // created meanwhile by another gateway, or a file squats the name: problem() tells
    }
  }

  private String problem() throws IOException {
    if (Files.isSymbolicLink(dir) || !Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return "is not a directory";
    }
    PosixFileAttributes attributes;
    try {
      attributes = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (UnsupportedOperationException e) {
      return null;
    }
    if (!attributes.owner().equals(currentUser())) {
      return "belongs to " + attributes.owner().getName();
    }
    Set<PosixFilePermission> others = EnumSet.noneOf(PosixFilePermission.class);
    others.addAll(attributes.permissions());
    others.removeAll(OWNER_ONLY);
    if (!others.isEmpty()) {
      return "may be written or read by other users (" + PosixFilePermissions.toString(attributes.permissions()) + ")";
    }
    return null;
  }

  /** The user this process creates files as: the owner of a file it has just made. */
  private static UserPrincipal currentUser() throws IOException {
    Path probe = Files.createTempFile("portcullis-owner-", ".probe");
    try {
      return Files.getOwner(probe);
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  private static void delete(Path entry) {
    try (Stream<Path> walk = Files.walk(entry)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("cannot remove {}: {}", entry, e.getMessage());
    }
  }
}
