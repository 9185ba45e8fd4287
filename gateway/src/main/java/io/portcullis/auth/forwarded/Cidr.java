package io.portcullis.auth.forwarded;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** An IPv4 or IPv6 address block such as {@code 10.0.0.0/8} or {@code ::1/128}. */
public record Cidr(byte[] network, int prefixLength) {

  /** Parses a block; a bare address is a block of one. Literal addresses only: no DNS look-up. */
  public static Cidr parse(String text) {
    String t = text.trim();
    int slash = t.indexOf('/');
    String address = slash < 0 ? t : t.substring(0, slash);
    if (!address.matches("[0-9a-fA-F.:]+")) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address block");
    }
    try {
      byte[] bytes = InetAddress.getByName(address).getAddress();
      int prefix = slash < 0 ? bytes.length * 8 : Integer.parseInt(t.substring(slash + 1));
      if (prefix < 0 || prefix > bytes.length * 8) {
        throw new IllegalArgumentException("'" + text + "': prefix length out of range");
      }
      return new Cidr(bytes, prefix);
    } catch (UnknownHostException | NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address block");
    }
  }

  /** Whether a literal address lies inside this block. */
  public boolean contains(String address) {
    if (address == null || !address.matches("[0-9a-fA-F.:%a-zA-Z]+")) {
      return false;
    }
    try {
      byte[] candidate = InetAddress.getByName(address).getAddress();
      if (candidate.length != network.length) {
        return false;
      }
      int full = prefixLength / 8;
      for (int i = 0; i < full; i++) {
        if (candidate[i] != network[i]) {
          return false;
        }
      }
      int rest = prefixLength % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xFF << (8 - rest) & 0xFF;
      return (candidate[full] & mask) == (network[full] & mask);
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
