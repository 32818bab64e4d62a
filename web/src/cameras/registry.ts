// Contracts of the camera registry API (rtcc.cameras, contract C4) as the front end uses them.

export const REGISTRY_CAMERAS = "/api/v1/registry/cameras";
export const REGISTRY_HEALTH = "/api/v1/registry/health";
export const CANVASS = "/api/v1/canvass";
export const CANVASS_CAMERAS = "/api/v1/canvass/cameras";
export const MY_CAMERAS = "/api/v1/me/cameras";

export interface RegistryCamera {
  id: string;
  code: string;
  name: string;
  owner_type: string;
  owner_name: string | null;
  address: string | null;
  lat: number;
  lon: number;
  direction_deg: number | null;
  fov_deg: number | null;
  range_m: number | null;
  owner_retention_days: number;
  sharing_level: string;
  registered_at: string;
  withdrawn_at: string | null;
  last_seen_at: string | null;
}

export interface CanvassHit {
  rank: number;
  camera: RegistryCamera;
  distance_m: number;
  bearing_from_camera_deg: number;
  angle_off_axis_deg: number;
  retention_covers: boolean;
  request_deadline: string;
}

export interface NearbyCamera {
  camera: RegistryCamera;
  distance_m: number;
  angle_off_axis_deg: number;
  in_range: boolean;
  in_view: boolean;
}

export interface CanvassEmpty {
  radius_m: number;
  shared_cameras: number;
  registered_cameras: number;
  nearest: NearbyCamera[];
  message: string;
}

/** A shared camera's position and cone, for the canvass map. */
export interface CameraPoint {
  id: string;
  lat: number;
  lon: number;
  direction_deg: number;
  fov_deg: number;
  range_m: number;
}

export interface CanvassResult {
  lat: number;
  lon: number;
  place: string | null;
  start: string;
  end: string;
  searched: number;
  items: CanvassHit[];
  empty?: CanvassEmpty | null;
}

export interface HealthRow {
  camera_id: string;
  code: string;
  name: string;
  owner_type: string;
  status: string;
  last_seen_at: string | null;
  last_checked_at: string | null;
  last_ok_at: string | null;
  last_error: string | null;
}
