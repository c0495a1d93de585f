package io.roadseg.preprocess;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The regions the camera check and the smear check share: about 48, as square as the picture allows. */
class RegionGridTest {
    @Test
    void regionsFollowThePicturesAspect() {
        int[][] cases = {{480, 352, 8, 6}, {544, 304, 9, 5}, {304, 544, 5, 9}, {640, 480, 8, 6}, {1242, 375, 13, 4}};
        for (int[] c : cases) {
            RegionGrid g = new RegionGrid(c[0], c[1]);
            assertEquals(c[2], g.columns(), c[0] + "x" + c[1]);
            assertEquals(c[3], g.rows(), c[0] + "x" + c[1]);
        }
    }

    @Test
    void everyPixelLiesInOneRegionAndEveryRegionHoldsPixels() {
        for (int[] size : new int[][] {{480, 352}, {544, 304}, {100, 7}, {16, 4000}, {4000, 16}, {1, 1}}) {
            RegionGrid g = new RegionGrid(size[0], size[1]);
            assertTrue(g.regions() >= 1 && g.regions() <= RegionGrid.MAX_REGIONS, g.regions() + " regions");
            int[] pixels = new int[g.regions()];
            for (int y = 0; y < size[1]; y++) {
                for (int x = 0; x < size[0]; x++) {
                    int r = g.regionOf(x, y);
                    assertEquals(g.rowStart(y) + g.column(x), r);
                    pixels[r]++;
                }
            }
            for (int r = 0; r < pixels.length; r++) {
                assertTrue(pixels[r] > 0, size[0] + "x" + size[1] + ": region " + r + " empty");
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new RegionGrid(0, 10));
    }
}
