package io.portcullis.policy;

import io.portcullis.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * The files of a policy directory that {@code opa build} reads (Rego, JSON and YAML data, a
 * bundle manifest): a cheap fingerprint (names, sizes, modification times) to notice edits, and a
 * hash of their contents that names the policy revision. Blocking: call it on a worker thread.
 */
final class PolicyDirectory {
  private final Path root;

  PolicyDirectory(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  /** Changes whenever a policy file is added, removed or written. */
  String fingerprint() {
    StringBuilder sb = new StringBuilder();
    for (Path file : files()) {
      try {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        sb.append(root.relativize(file)).append('\0').append(a.size()).append('\0').append(a.lastModifiedTime().toInstant()).append('\n');
      } catch (IOException e) {
        sb.append(root.relativize(file)).append("\0gone\n");
      }
    }
    return sb.toString();
  }

  /** SHA-256 (hex) over every policy file's relative path and contents, in path order. */
  String contentHash() {
    return snapshot(null);
  }

  /**
   * Copies the policy files into {@code into} (null: copies nothing) and returns the hash of
   * exactly what was copied, so that a build of the copy is named by its own contents even while
   * an operator is editing the directory.
   */
  String snapshot(Path into) {
    MessageDigest sha = Sha256.newDigest();
    for (Path file : files()) {
      Path relative = root.relativize(file);
      try {
        byte[] bytes = Files.readAllBytes(file);
        sha.update(relative.toString().getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(Long.toString(bytes.length).getBytes(StandardCharsets.UTF_8));
        sha.update((byte) 0);
        sha.update(bytes);
        if (into != null) {
          Path copy = into.resolve(relative.toString());
          Files.createDirectories(copy.getParent());
          Files.write(copy, bytes);
        }
      } catch (IOException e) {
        throw new PolicyLoadException("cannot read policy file " + file + ": " + e.getMessage(), e);
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private List<Path> files() {
    if (!Files.isDirectory(root)) {
      throw new PolicyLoadException("policy directory " + root + " does not exist or is not a directory");
    }
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).filter(PolicyDirectory::isPolicyFile).sorted().toList();
    } catch (IOException | UncheckedIOException e) {
      throw new PolicyLoadException("cannot list policy directory " + root + ": " + e.getMessage(), e);
    }
  }

  private static boolean isPolicyFile(Path file) {
    String name = file.getFileName().toString();
    return name.endsWith(".rego") || name.endsWith(".json") || name.endsWith(".yaml") || name.endsWith(".yml")
        || name.equals(".manifest");
  }
}
