// Rekognition's numbers (confidences, box coordinates, angles) are 32-bit floats on the wire.
// Every value is rounded through float before it is written, so the JSON never carries digits
// the computation did not have.
#pragma once

namespace fogbank::rekognition {

inline double wire_float(double v) {
    return static_cast<double>(static_cast<float>(v));
}

}  // namespace fogbank::rekognition
