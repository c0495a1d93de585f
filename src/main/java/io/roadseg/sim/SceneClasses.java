package io.roadseg.sim;

/**
 * The 11 CamVid class ids the renderer labels pixels with (same ids as the model contract). Every pixel of a
 * rendered frame gets one of them; there is no void. Constants only; no state.
 */
public final class SceneClasses {
    public static final int SKY = 0;
    public static final int BUILDING = 1;
    public static final int POLE = 2;
    public static final int ROAD = 3;
    public static final int PAVEMENT = 4;
    public static final int TREE = 5;
    public static final int SIGN = 6;
    public static final int FENCE = 7;
    public static final int CAR = 8;
    public static final int PEDESTRIAN = 9;
    public static final int BICYCLIST = 10;
    public static final int COUNT = 11;

    private SceneClasses() {
    }
}
