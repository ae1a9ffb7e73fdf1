package io.kilowatch.device;

/**
 * Told when a device changes state (UNKNOWN → UP, UP → DOWN, DOWN → UP), never on every poll: the
 * hook for device-down alerts and live status pages. Called on the device's poll loop, so it must
 * return quickly.
 */
@FunctionalInterface
public interface DeviceStateListener {
  void stateChanged(DeviceStatus previous, DeviceStatus current);
}
