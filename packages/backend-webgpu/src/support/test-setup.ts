// Tests compare every kernel with the cpu backend and take gradients: register both.
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
