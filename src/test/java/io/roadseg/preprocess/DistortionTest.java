package io.roadseg.preprocess;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One reading of ROS's and OpenCV's distortion models, for recordings and calibration files alike. */
class DistortionTest {
    @Test
    void brownConradyIsOpenCvsVectorWhateverItsName() {
        double[] eight = {-0.2, 0.05, 0.001, -0.002, 0.01, 0.3, 0.02, 0.001};
        for (String model : new String[] {"plumb_bob", "rational_polynomial", "Plumb_Bob ", "radtan"}) {
            Distortion d = Distortion.of(model, eight);
            assertFalse(d.fisheye(), model);
            assertArrayEquals(eight, d.coefficients(), model);
        }
        assertArrayEquals(new double[] {-0.2, 0.05, 0.001, -0.002, 0, 0, 0, 0},
                Distortion.of("radtan", new double[] {-0.2, 0.05, 0.001, -0.002}).coefficients(), "4: k3.. zero");
        double[] fourteen = new double[14];
        System.arraycopy(eight, 0, fourteen, 0, 8);
        assertArrayEquals(eight, Distortion.of("plumb_bob", fourteen).coefficients(), "the thin prism and tilt at 0");
        assertTrue(Distortion.of("plumb_bob", eight).any());
        assertFalse(Distortion.of("", new double[0]).any(), "an uncalibrated camera: no distortion");
    }

    @Test
    void theFisheyeIsItsFourCoefficients() {
        Distortion d = Distortion.of("equidistant", new double[] {0.1, 0.01});
        assertTrue(d.fisheye());
        assertArrayEquals(new double[] {0.1, 0.01, 0, 0}, d.coefficients());
        assertTrue(Distortion.fisheye("FISHEYE"));
        assertTrue(Distortion.fisheye("kannala_brandt"), "Foxglove's name for OpenCV's fisheye");
    }

    @Test
    void whatIsNotUndoneSaysWhy() {
        assertEquals("is 'fov', not a model roadseg undoes (it undoes plumb_bob (Brown–Conrady k1 k2 p1 p2 k3), "
                + "rational_polynomial (its k4..k6 added) and equidistant (the fisheye's k1..k4))",
                assertThrows(IllegalArgumentException.class, () -> Distortion.fisheye("fov")).getMessage());
        assertEquals("has 5 numbers; the equidistant model has 4 (k1..k4)", assertThrows(IllegalArgumentException.class,
                () -> Distortion.of("equidistant", new double[5])).getMessage());
        assertEquals("has 15 numbers; OpenCV's models have at most 14", assertThrows(IllegalArgumentException.class,
                () -> Distortion.of("plumb_bob", new double[15])).getMessage());
        double[] tilted = new double[14];
        tilted[13] = 0.002;
        assertEquals("gives tauY = 0.002: roadseg undoes Brown–Conrady's k1 k2 p1 p2 k3 and the rational model's k4 k5 "
                + "k6, not the thin-prism or tilted model's further terms", assertThrows(
                IllegalArgumentException.class, () -> Distortion.of("rational_polynomial", tilted)).getMessage());
        assertEquals("has 1 number but no distortion model names them", assertThrows(IllegalArgumentException.class,
                () -> Distortion.of(" ", new double[] {0.1})).getMessage());
    }
}
