import { LabHandle } from "./lab";
import { LabKafka } from "./kafka";
import { sparkWorkerWatch } from "./spark";
import { Watch } from "./watch";

/**
 * The watches of a lab's services that a fault can stop mid-check and whose
 * loss a job reports only indirectly: the Kafka broker and the Spark workers.
 * A service the lab does not publish on this machine is not watched.
 */
export function labWatches(lab: LabHandle): Watch[] {
  const services = new Set(lab.plan.specs.map((s) => s.service));
  const watches: Watch[] = [];
  const published = (service: string, endpoint: string) => {
    try {
      lab.hostEndpoint(service, endpoint);
      return true;
    } catch {
      return false;
    }
  };
  if (services.has("kafka") && published("kafka", "bootstrap")) watches.push(new LabKafka(lab).brokerWatch());
  if (services.has("spark") && published("spark", "ui")) watches.push(sparkWorkerWatch(lab));
  return watches;
}
