/** The specialist service (embedded default and the server's core). */
export { SpecialistService, type ServiceOptions, type DiscoveryFilter } from './service.js';
