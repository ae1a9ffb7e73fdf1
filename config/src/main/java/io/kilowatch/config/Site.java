package io.kilowatch.config;

import java.time.ZoneId;

/**
 * The facility itself.
 *
 * @param gridZone the electricity grid zone used for carbon intensity (e.g. {@code FR}, {@code
 *     GB}), or {@code null}
 */
public record Site(String name, ZoneId timezone, String gridZone, AshraeClass ashraeClass) {}
