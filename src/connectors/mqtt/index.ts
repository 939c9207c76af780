export { createMqttIngestor } from './mqtt-ingestor.js';
export { DEFAULT_MQTT_URL, type MqttOptions } from './options.js';
